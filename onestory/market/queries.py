"""Reads of the care market for commissioners and analysts (VIEW_AGGREGATES): providers,
services, contracts, who uses each service now and what decommissioning one would touch.
People appear only as counts: opted-out people are left out, counts from 1 to 7 are
suppressed by the commissioning rule (`commissioning.domain.suppression`), and every read
is audited with ids and counts."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import has_permission, partnership_people, require
from onestory.access.queries import people_opted_out
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.commissioning.domain import suppression
from onestory.market.domain import contracts, themes, usage
from onestory.market.models import Contract, Provider, Service

PLAN_SECTIONS = ("goals", "needs", "support_me")


def _get(model, external_id):
    try:
        return model.objects.get(external_id=external_id)
    except (ObjectDoesNotExist, ValueError):
        raise Http404("Not found.") from None


def _events(on: date, by: Actor) -> tuple[list[usage.EventFacts], set[int]]:
    """Open service and placement events on `on` of linked people of the actor's partnership
    (ADR 0026: a provider may serve several partnerships, but each counts its own people),
    and the people who opted out of secondary use (whom every count leaves out)."""
    from django.db.models import Q

    from onestory.people.models import PersonLink
    from onestory.sources.models import SourceEvent

    rows = (
        SourceEvent.objects.filter(kind__in=usage.USAGE_KINDS, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .values_list("record_id", "kind", "start", "end", "code", "details", "system__org_code")
    )
    rows = list(rows)
    records = {r[0] for r in rows}
    links = PersonLink.objects.filter(run__is_current=True, record_id__in=records)
    own = partnership_people(by)
    if own is not None:
        links = links.filter(person_id__in=own)
    person_of = dict(links.values_list("record_id", "person_id"))
    facts = []
    for record_id, kind, start, end, code, details, org in rows:
        person = person_of.get(record_id)
        if person is None:
            continue
        details = details or {}
        codes = tuple(
            str(details.get(k, ""))
            for k in ("provider_code", "service_code", "service_component")
            if details.get(k)
        )
        facts.append(
            usage.EventFacts(
                person=person,
                kind=kind,
                start=start,
                end=end,
                system_org=org,
                codes=(code, *codes) if code else codes,
                support_reason=str(details.get("primary_support_reason", "")),
            )
        )
    opted_out = set(people_opted_out().values_list("person_id", flat=True))
    return facts, opted_out


def users_now(services, on: date, by: Actor) -> dict[int, dict[int, str]]:
    """Service pk → {person pk: support reason} of the people of the actor's partnership
    using it on `on`."""
    facts, opted_out = _events(on, by)
    return {
        s.pk: usage.users(s.record_code, s.record_org_code, facts, on, excluded=opted_out)
        for s in services
    }


@dataclass(frozen=True)
class ServiceRow:
    service: Service
    users: int | None  # suppressed count of people using it now
    contracts: tuple[Contract, ...]


@dataclass(frozen=True)
class MarketPage:
    providers: tuple[Provider, ...]
    services: tuple[ServiceRow, ...]
    capacity: int
    vacancies: int
    contract_value: int  # annual value of contracts in force
    can_manage: bool
    on: date


def market(*, by: Actor, on: date | None = None) -> MarketPage:
    require(by, Permission.VIEW_AGGREGATES)
    on = on or timezone.localdate()
    providers = tuple(Provider.objects.all())
    services = list(Service.objects.select_related("provider").prefetch_related("contracts"))
    counts = users_now(services, on, by)
    rows = tuple(
        ServiceRow(
            s,
            suppression.suppress_total(len(counts[s.pk])),
            tuple(s.contracts.all()),
        )
        for s in services
    )
    active = [s for s in services if s.active]
    in_force = [c for r in rows for c in r.contracts if contracts.in_force(c.start, c.end, on)]
    value = sum(
        contracts.annual_value(c.kind, c.value_pence, c.start, c.end) or 0 for c in in_force
    )
    record_event(
        by=by,
        action="market.viewed",
        detail={"providers": len(providers), "services": len(services), "on": on.isoformat()},
    )
    return MarketPage(
        providers=providers,
        services=rows,
        capacity=sum(s.capacity or 0 for s in active),
        vacancies=sum(s.vacancies or 0 for s in active),
        contract_value=value,
        can_manage=has_permission(by, Permission.MANAGE_MARKET),
        on=on,
    )


def provider(provider_id, *, by: Actor) -> Provider:
    require(by, Permission.VIEW_AGGREGATES)
    found = _get(Provider, provider_id)
    record_event(by=by, action="market.provider_viewed", detail={"provider": str(provider_id)})
    return found


@dataclass(frozen=True)
class ServicePage:
    service: Service
    users: int | None
    contracts: tuple[Contract, ...]
    can_manage: bool


def service(service_id, *, by: Actor, on: date | None = None) -> ServicePage:
    require(by, Permission.VIEW_AGGREGATES)
    on = on or timezone.localdate()
    found = _get(Service, service_id)
    n = len(users_now([found], on, by)[found.pk])
    record_event(
        by=by,
        action="market.service_viewed",
        detail={"service": str(service_id), "users_shown": suppression.suppress_total(n)},
    )
    return ServicePage(
        found,
        suppression.suppress_total(n),
        tuple(found.contracts.all()),
        has_permission(by, Permission.MANAGE_MARKET),
    )


def contract(contract_id, *, by: Actor) -> Contract:
    require(by, Permission.VIEW_AGGREGATES)
    found = _get(Contract, contract_id)
    record_event(by=by, action="market.contract_viewed", detail={"contract": str(contract_id)})
    return found


def _plan_themes(people: set[int]) -> dict[int, frozenset[str]]:
    """Person pk → the themes of their plan (an empty set when the plan says nothing in the
    sections read), for people with a plan."""
    from onestory.planning.models import Plan, PlanStatement

    with_plan = set(
        Plan.objects.filter(person_id__in=people, kind="person").values_list("person_id", flat=True)
    )
    texts: dict[int, list[str]] = {p: [] for p in with_plan}
    for person_id, text in PlanStatement.objects.filter(
        plan__person_id__in=with_plan, plan__kind="person", section__in=PLAN_SECTIONS
    ).values_list("plan__person_id", "text"):
        texts[person_id].append(text)
    return {p: themes.person_themes(t) for p, t in texts.items()}


def decommission_impact(service_id, *, by: Actor, on: date | None = None) -> dict:
    """What decommissioning the service would touch, as it may be shown: people using it now,
    their support reasons and what their plans say they need (suppressed counts only)."""
    require(by, Permission.VIEW_AGGREGATES)
    on = on or timezone.localdate()
    found = _get(Service, service_id)
    people = users_now([found], on, by)[found.pk]
    result = usage.impact(people, _plan_themes(set(people)), themes.ORDER)
    shown = {
        "on": on.isoformat(),
        "people": result.people,
        "reasons": [[r.label, r.people] for r in result.reasons],
        "themes": [[r.label, r.people] for r in result.themes],
        "with_plan": result.with_plan,
        "without_plan": result.without_plan,
    }
    record_event(
        by=by,
        action="market.decommission_previewed",
        detail={"service": str(service_id), "people_shown": result.people},
    )
    return {"service": found, "impact": result, "shown": shown, "on": on}


def services_export(*, by: Actor, on: date | None = None) -> list[dict]:
    """Every service with its capacity, price, contracts in force and people using it now
    (suppressed), for the CSV download."""
    page = market(by=by, on=on)
    out = []
    for row in page.services:
        s = row.service
        current = [c for c in row.contracts if contracts.in_force(c.start, c.end, page.on)]
        out.append(
            {
                "provider": s.provider.name,
                "provider_code": s.provider.code,
                "service": s.name,
                "service_type": s.get_service_type_display(),
                "status": "active" if s.active else f"decommissioned {s.decommissioned_on}",
                "capacity": s.capacity,
                "vacancies": s.vacancies,
                "unit_price_pence": s.unit_price_pence,
                "unit": s.unit,
                "contracts_in_force": len(current),
                "contract_kinds": ";".join(sorted({c.kind for c in current})),
                "people_using_now": row.users,
            }
        )
    record_event(by=by, action="market.exported", detail={"services": len(out)})
    return out
