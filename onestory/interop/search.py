"""Audited search for /fhir. Access is part of the query (`interop.scope`): only rows
about people the caller holds access to, in categories they see, are ever counted or
read; people who refused the caller's organisation are not found at all. A search for one
patient asks `decide` for them (a refusal is a 403, audited) and says what is withheld."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.interop import projection
from onestory.interop.domain.index import elements_only
from onestory.interop.domain.mapping import LOCAL_ID_SYSTEM, NHS_NUMBER_SYSTEM, PERSON_ID_SYSTEM
from onestory.interop.domain.search import (
    DIRECTORY_TYPES,
    PROVENANCE_TARGET,
    DateBound,
    Search,
    Token,
)
from onestory.interop.models import FhirIdentifier, FhirResource
from onestory.interop.patients import (
    ResourceNotFound,
    decide_or_deny,
    integrated_patient,
    linked_records,
    people_of_records,
    person_by_id,
    redacted,
    visible,
    withheld,
    withheld_outcome,
)
from onestory.interop.queries import read_resource, serve_row
from onestory.interop.scope import Scope, nameable_kinds, scope_for
from onestory.interop.scope import visible as visible_rows
from onestory.people.domain import nhs_number as nhs
from onestory.people.models import Person, PersonLink
from onestory.sources.models import SourceRecord

# The most resources one `_revinclude` adds to a page.
MAX_REVINCLUDE = 1000
_SORT_FIELDS = {"date": "event_date", "_lastUpdated": "updated_at", "_id": "resource_id"}


@dataclass
class SearchPage:
    total: int | None
    resources: list[dict[str, Any]]
    included: list[dict[str, Any]]


def date_q(field: str, bound: DateBound, instant: bool = False) -> Q:
    """A date parameter as a filter on a date (or, `instant`, a date-time) column."""
    low, high = (bound.start, bound.end) if instant else (bound.low, bound.high)
    after = f"{field}__gte" if instant else f"{field}__gt"  # past the value
    within = (
        Q(**{f"{field}__gte": low, f"{field}__lt": high})
        if instant
        else Q(**{f"{field}__gte": low, f"{field}__lte": high})
    )
    q = {
        "eq": within,
        "ap": within,
        "ne": ~within,
        "gt": Q(**{after: high}),
        "sa": Q(**{after: high}),
        "lt": Q(**{f"{field}__lt": low}),
        "eb": Q(**{f"{field}__lt": low}),
        "ge": Q(**{f"{field}__gte": low}),
        "le": Q(**{f"{field}__lt": high} if instant else {f"{field}__lte": high}),
    }[bound.op]
    return q & Q(**{f"{field}__isnull": False})


def token_q(param: str, tokens: list[Token], resource_type: str = "") -> QuerySet:
    """The ids of resources holding any of these tokens (a subquery)."""
    q = Q(pk__in=[])
    for token in tokens:
        one = Q(param=param, value=token.code)
        if token.system is not None:
            one &= Q(system=token.system)
        q |= one
    found = FhirIdentifier.objects.filter(q)
    if resource_type:
        found = found.filter(resource__resource_type=resource_type)
    return found.values("resource_id")


def seen_links(scope: Scope) -> QuerySet:
    """The current run's links from the people the scope shows to the records the caller
    may be told of (sources that may be named to them)."""
    links = PersonLink.objects.filter(run__is_current=True)
    if scope.everyone:
        return links
    seen = Q(pk__in=[])
    for categories, people in scope.groups().items():
        seen |= Q(person_id__in=people, record__system__kind__in=nameable_kinds(categories))
    return links.filter(seen)


def people_by_identifier(tokens: list[Token], links: QuerySet) -> set[int]:
    """People (pks) with a record among `links` that carries one of these identifiers:
    the NHS number, OneStory's person id or a source record's id, or any identifier on a
    Patient received as FHIR (Synthea's, a hospital number…)."""
    found: set[int] = set()
    for t in tokens:
        if t.system in (None, NHS_NUMBER_SYSTEM) and nhs.is_valid(nhs.normalise(t.code)):
            found |= set(
                links.filter(record__nhs_number=nhs.normalise(t.code)).values_list(
                    "person_id", flat=True
                )
            )
        if t.system in (None, PERSON_ID_SYSTEM) and (person := person_by_id(t.code)):
            found |= set(links.filter(person=person).values_list("person_id", flat=True))
        if t.system and t.system.startswith(LOCAL_ID_SYSTEM):
            code = t.system.removeprefix(LOCAL_ID_SYSTEM)
            found |= set(
                links.filter(record__system__code=code, record__local_id=t.code).values_list(
                    "person_id", flat=True
                )
            )
        if t.system != NHS_NUMBER_SYSTEM:
            received = FhirResource.objects.filter(
                pk__in=token_q("identifier", [t], "Patient"), record__isnull=False
            ).values("record_id")
            found |= set(links.filter(record_id__in=received).values_list("person_id", flat=True))
    return found


def search(query: Search, *, by: Actor) -> SearchPage:
    """One page of a search, with its `_include`s and `_revinclude`s."""
    projection.sync()
    if query.resource_type == "Patient":
        return _search_patients(query, by)
    p = query.params
    rows = FhirResource.objects.filter(resource_type=query.resource_type)
    # With a patient, their own decision is the scope: the caller's whole set of people
    # (`decide_related`, ~0.3 s for a GP's 3,300 registered patients) is not needed.
    scope: Scope | None = None
    person: Person | None = None
    person_ids: list[int] | None = None
    for value in p.get("patient", []) + p.get("subject", []):
        ref = value.removeprefix("Patient/")
        person = person_by_id(ref)
        if person is not None:
            decision = decide_or_deny(by, person, "fhir.search")
            scope = Scope(everyone=False, decisions={person.pk: decision})
            person_ids = [person.pk]
        else:
            rows = rows.filter(patient_ref=f"Patient/{ref}")
    if scope is None:
        scope = scope_for(by)
    if query.chained:
        chained = people_by_identifier(query.chained, seen_links(scope))
        person_ids = [i for i in (person_ids or chained) if i in chained]
    if query.resource_type in DIRECTORY_TYPES and not scope.directory:
        raise PermissionDenied("Your role does not allow reading records.")
    rows = _filtered(visible_rows(rows, scope, person_ids), query)
    total = rows.count() if query.total or query.summary_count else None
    page: list[dict[str, Any]] = []
    matched: list[FhirResource] = []
    if query.wants_entries:
        matched = list(
            rows.select_related("system").order_by(*_order(query))[
                query.offset : query.offset + query.count
            ]
        )
        owners = people_of_records({r.record_id for r in matched if r.record_id})
        page = [serve_row(r, owners.get(r.record_id), query.elements) for r in matched]
    included = _includes(page, query.includes, by)
    if PROVENANCE_TARGET in query.revincludes:
        included += _provenance(
            [f"{r.resource_type}/{r.resource_id}" for r in matched], scope_for(by)
        )
    if person is not None:
        if (
            outcome := withheld_outcome(person, withheld(by, scope.decisions[person.pk]))
        ) is not None:
            included.append(outcome)
    record_event(
        by=by,
        action="fhir.search",
        person_id=str(person.external_id) if person else "",
        detail={
            "type": query.resource_type,
            "parameters": sorted(p),
            "results": total if total is not None else len(page),
        },
    )
    return SearchPage(total=total, resources=page, included=included)


def _filtered(rows: QuerySet, query: Search) -> QuerySet:
    p = query.params
    if "_id" in p:
        rows = rows.filter(resource_id__in=p["_id"][-1].split(","))
    for param, groups in query.tokens.items():
        for tokens in groups:
            rows = rows.filter(pk__in=token_q(param, tokens))
    for bound in query.dates:
        if bound.param == "_lastUpdated":
            rows = rows.filter(date_q("updated_at", bound, instant=True))
        else:
            rows = rows.filter(date_q("event_date", bound))
    if "status" in p:
        rows = rows.filter(status__in=p["status"][-1].split(","))
    if "name" in p:
        rows = rows.filter(name__icontains=p["name"][-1])
    return rows


def _order(query: Search) -> list[str]:
    keys = [("-" if desc else "") + _SORT_FIELDS.get(name, name) for name, desc in query.sort]
    return [*keys, "id"] if keys else ["-event_date", "id"]


def _includes(resources: list[dict], elements: list[str], by: Actor) -> list[dict]:
    refs: set[tuple[str, str]] = set()
    for resource in resources:
        for element in elements:
            ref = str((resource.get(element) or {}).get("reference", ""))
            if "/" in ref:
                t, _, i = ref.partition("/")
                refs.add((t, i))
    out = []
    for t, i in sorted(refs):
        try:
            out.append(read_resource(t, i, by=by))
        except (ResourceNotFound, PermissionDenied):
            continue
    return out


def _provenance(refs: list[str], scope: Scope) -> list[dict]:
    if not refs:
        return []
    rows = visible_rows(
        FhirResource.objects.filter(
            resource_type="Provenance",
            pk__in=FhirIdentifier.objects.filter(param="target", value__in=refs).values(
                "resource_id"
            ),
        ),
        scope,
    ).order_by("id")[:MAX_REVINCLUDE]
    owners = people_of_records({r.record_id for r in rows if r.record_id})
    return [serve_row(r, owners.get(r.record_id)) for r in rows]


# ---------------------------------------------------------------------------- Patient


def _patient_people(query: Search, scope: Scope) -> list[int]:
    """The people the Patient search finds, among those the scope shows, in the order
    asked for. Each criterion is matched on a record the caller may be told of (never on
    a record from a source they may not see named); sort keys are taken from those
    records too (the earliest date of birth, the first name in alphabetical order)."""
    p = query.params
    links = seen_links(scope)
    records = SourceRecord.objects.all()
    for name in ("name", "family", "given"):
        for value in p.get(name, []):
            for word in value.split():
                q = Q(family_name__icontains=word) | Q(given_name__icontains=word)
                if name != "name":
                    q = Q(**{f"{name}_name__icontains": word})
                records = records.filter(q)
    for bound in query.dates:
        records = records.filter(date_q("date_of_birth", bound))
    for value in p.get("gender", []):
        records = records.filter(sex__in=value.split(","))
    if records.query.where:
        links = links.filter(record_id__in=records.values("id"))
    ids = set(links.values_list("person_id", flat=True))
    for groups in query.tokens.get("identifier", []):
        ids &= people_by_identifier(groups, links)
    if "_id" in p:
        wanted = {person_by_id(v) for v in p["_id"][-1].split(",")}
        ids &= {w.pk for w in wanted if w is not None}
    ordered = sorted(ids)
    if query.sort:
        keys: dict[int, dict[str, str]] = {}
        for pid, external, born, family, given in links.filter(person_id__in=ordered).values_list(
            "person_id",
            "person__external_id",
            "record__date_of_birth",
            "record__family_name",
            "record__given_name",
        ):
            mine = keys.setdefault(pid, {"_id": str(external)})
            for name, value in (("birthdate", born), ("family", family), ("given", given)):
                text = str(value or "").lower()
                if text and (name not in mine or text < mine[name]):
                    mine[name] = text
        for name, desc in reversed(query.sort):
            ordered.sort(key=lambda pid, n=name: keys.get(pid, {}).get(n, ""), reverse=desc)
    return ordered


def _search_patients(query: Search, by: Actor) -> SearchPage:
    """Patients are counted in the query and built only for the page asked for."""
    scope = scope_for(by)
    ids = _patient_people(query, scope)
    page_ids = ids[query.offset : query.offset + query.count] if query.wants_entries else []
    people = Person.objects.in_bulk(page_ids)
    page = []
    for pid in page_ids:
        person = people[pid]
        decision = scope.decisions.get(person.pk) if not scope.everyone else None
        decision = decision or decide_or_deny(by, person, "fhir.search")
        records = [r for r in linked_records(person) if visible(r.system.kind, decision)]
        page.append(redacted(integrated_patient(person, records), withheld(by, decision)))
    found = ids
    included = []
    for value in query.revincludes:
        if value == PROVENANCE_TARGET:
            included += _provenance([f"Patient/{r['id']}" for r in page], scope)
            continue
        rtype = value.split(":")[0]
        rows = visible_rows(FhirResource.objects.filter(resource_type=rtype), scope, page_ids)
        rows = list(rows.order_by("id")[:MAX_REVINCLUDE])
        owners = people_of_records({r.record_id for r in rows})
        included += [serve_row(r, owners.get(r.record_id)) for r in rows]
    record_event(
        by=by,
        action="fhir.search",
        detail={"type": "Patient", "parameters": sorted(query.params), "results": len(found)},
    )
    return SearchPage(
        total=len(found) if query.total or query.summary_count else None,
        resources=[elements_only(r, query.elements) for r in page],
        included=included,
    )
