"""Reads of pools. For the staff who hold budgets (MANAGE_BUDGETS): pools with the members
they may see (the record's access decision, many at once through `search_access`); any
other member is counted as withheld, never named, and then the pool's totals are withheld
too (they would give that member's share away). For commissioners and analysts
(VIEW_AGGREGATES): pools as aggregates only — count, people (suppressed), value."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import decide, partnership_people, require, search_access
from onestory.access.queries import people_opted_out
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.budgets.models import BudgetStream
from onestory.commissioning.domain import suppression
from onestory.market.domain import pools
from onestory.market.models import ConsentStatus, Pool, PoolMember, Service
from onestory.sources.domain.facts import FINANCE


def _name(person) -> str:
    from onestory.planning.queries import person_name

    return person_name(person)


def _current(members, on: date) -> list[PoolMember]:
    return [m for m in members if m.start <= on and (m.end is None or m.end > on)]


@dataclass(frozen=True)
class MemberRow:
    member: PoolMember
    name: str


@dataclass(frozen=True)
class PoolView:
    pool: Pool
    members: tuple[MemberRow, ...]  # those the reader may see, current and past
    withheld: int  # members the reader may not see
    balance: pools.PoolBalance | None  # None when a member is withheld


def _view(pool: Pool, access: dict[int, bool | None], on: date) -> PoolView:
    members = list(pool.members.all())
    shown = tuple(MemberRow(m, _name(m.person)) for m in members if access.get(m.person_id))
    withheld = len(members) - len(shown)
    balance = None
    if not withheld:
        paying = [m.share_pence for m in _current(members, on) if m.consent == ConsentStatus.GIVEN]
        balance = pools.balance(pool.cost_pence, paying)
    return PoolView(pool, shown, withheld, balance)


def pools_list(*, by: Actor, on: date | None = None) -> list[PoolView]:
    require(by, Permission.MANAGE_BUDGETS)
    on = on or timezone.localdate()
    found = list(Pool.objects.select_related("service").prefetch_related("members__person"))
    ids = {m.person_id for p in found for m in p.members.all()}
    access = search_access(by, ids)
    views = [_view(p, access, on) for p in found]
    record_event(
        by=by,
        action="market.pools_viewed",
        detail={"pools": len(views), "withheld": sum(v.withheld for v in views)},
    )
    return views


def pool(pool_id, *, by: Actor, on: date | None = None) -> PoolView:
    require(by, Permission.MANAGE_BUDGETS)
    on = on or timezone.localdate()
    try:
        found = Pool.objects.select_related("service").get(external_id=pool_id)
    except (ObjectDoesNotExist, ValueError):
        raise Http404("Not found.") from None
    access = search_access(by, {m.person_id for m in found.members.all()})
    view = _view(found, access, on)
    record_event(
        by=by,
        action="market.pool_viewed",
        detail={
            "pool": str(found.external_id),
            "members_shown": len(view.members),
            "withheld": view.withheld,
        },
    )
    return view


@dataclass(frozen=True)
class StreamChoice:
    stream: BudgetStream
    name: str


def stream_choices(*, by: Actor, on: date | None = None) -> list[StreamChoice]:
    """Budget streams in force on `on` of people whose finances the reader may see: whom a
    pool may be offered to. Nobody else is listed or counted."""
    require(by, Permission.MANAGE_BUDGETS)
    on = on or timezone.localdate()
    streams = list(
        BudgetStream.objects.filter(
            budget__period_start__lte=on, budget__period_end__gt=on
        ).select_related("budget__person")
    )
    access = search_access(by, {s.budget.person_id for s in streams})
    out, finance = [], {}
    for s in streams:
        person = s.budget.person
        if not access.get(person.pk):
            continue
        if person.pk not in finance:
            decision = decide(by, person)
            finance[person.pk] = decision.allowed and FINANCE in decision.categories
        if finance[person.pk]:
            out.append(StreamChoice(s, _name(person)))
    return sorted(out, key=lambda c: (c.name, c.stream.pk))


def member(member_id, *, by: Actor) -> PoolMember:
    """A member to act on (the action checks the record's decision again)."""
    require(by, Permission.MANAGE_BUDGETS)
    try:
        return PoolMember.objects.select_related("pool", "person", "stream__budget").get(
            external_id=member_id
        )
    except (ObjectDoesNotExist, ValueError):
        raise Http404("Not found.") from None


def services_for_pools() -> list[Service]:
    """Active services a pool may buy (no personal data)."""
    return [s for s in Service.objects.select_related("provider") if s.active]


@dataclass(frozen=True)
class PoolAggregates:
    pools: int  # pools with a paying member today
    people: int | None  # paying members today (opted-out people left out), suppressed
    value_per_year: int | None  # their shares as a year's worth; withheld with people
    by_type: tuple[tuple[str, int, int | None, int | None], ...]  # type, pools, people, value


def aggregates(*, by: Actor, on: date | None = None) -> PoolAggregates:
    """Pools for commissioners and analysts, over their own partnership's people: no person,
    no single share."""
    require(by, Permission.VIEW_AGGREGATES)
    on = on or timezone.localdate()
    opted_out = set(people_opted_out().values_list("person_id", flat=True))
    members = PoolMember.objects.filter(consent=ConsentStatus.GIVEN).select_related("pool__service")
    own = partnership_people(by)  # a commissioner's own partnership's people (ADR 0026)
    if own is not None:
        members = members.filter(person_id__in=own)
    paying = [
        m
        for m in members
        if m.start <= on and (m.end is None or m.end > on) and m.person_id not in opted_out
    ]
    groups: dict[str, list[PoolMember]] = defaultdict(list)
    for m in paying:
        groups[m.pool.service.get_service_type_display()].append(m)
    labels = sorted(groups)
    people = [len({m.person_id for m in groups[t]}) for t in labels]
    shown = suppression.suppress_counts(people)
    rows = []
    for label, n in zip(labels, shown, strict=True):
        value = sum(pools.per_year(m.share_pence, m.pool.period) for m in groups[label])
        rows.append((label, len({m.pool_id for m in groups[label]}), n, value if n else None))
    total_people = suppression.suppress_total(len({m.person_id for m in paying}))
    total_value = sum(pools.per_year(m.share_pence, m.pool.period) for m in paying)
    result = PoolAggregates(
        pools=len({m.pool_id for m in paying}),
        people=total_people,
        value_per_year=total_value if total_people is not None else None,
        by_type=tuple(rows),
    )
    record_event(
        by=by,
        action="market.pools_aggregated",
        detail={"pools": result.pools, "people_shown": result.people},
    )
    return result


def my_memberships(person, *, by: Actor) -> list[PoolMember]:
    """The pools a person is invited to or pays into, for the person (or their
    representative) on their own record."""
    if not decide(by, person).allowed:
        raise PermissionDenied("This is not your record.")
    found = list(PoolMember.objects.filter(person=person).select_related("pool__service__provider"))
    record_event(
        by=by,
        action="market.my_pools_viewed",
        person_id=str(person.external_id),
        detail={"memberships": len(found)},
    )
    return found
