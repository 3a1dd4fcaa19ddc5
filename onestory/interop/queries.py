"""Audited reads for /fhir and export. Every read of a person's data asks
`onestory.access.policy.decide` (the same rule as the pages: relationship, role categories,
the person's choices), drops what the decision hides, and writes an audit event; a refusal
is audited as `record.denied` and raises PermissionDenied naming nothing about them."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from onestory.access.domain.roles import Permission, any_role_for
from onestory.access.domain.visibility import (
    PERSON_CHOSE,
    Withheld,
    may_name_source,
    withheld_categories,
)
from onestory.access.policy import AccessDecision, decide, has_permission
from onestory.access.queries import denied
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.interop.domain.mapping import (
    NHS_NUMBER_SYSTEM,
    event_resource,
    organization_resource,
    patient_resource,
)
from onestory.interop.domain.search import DIRECTORY_TYPES, Search, split_token
from onestory.interop.models import FhirIdentifier, FhirResource
from onestory.people.domain import nhs_number as nhs
from onestory.people.models import Person, PersonLink
from onestory.record.domain.labels import category_label, kind_label
from onestory.record.domain.search import SearchQueryError
from onestory.record.domain.search import parse_search as parse_people_search
from onestory.record.domain.summary import preference_key
from onestory.record.queries import search_people
from onestory.sources.domain.facts import (
    SOURCE_KIND_LABELS,
)
from onestory.sources.models import SourceEvent, SourceRecord

NOT_FOUND = "No such resource."
REFUSED = "You do not have access to this person's record."


class ResourceNotFound(Http404):
    """No resource with that id that the caller may know of."""


@dataclass
class SearchPage:
    total: int
    resources: list[dict[str, Any]]
    included: list[dict[str, Any]]


# ---------------------------------------------------------------------------- people


def _person_by_id(person_id: str) -> Person | None:
    try:
        key = uuid.UUID(str(person_id))
    except ValueError:
        return None
    return Person.objects.filter(external_id=key).first()


def _people_of_records(record_ids) -> dict[int, Person]:
    return {
        link.record_id: link.person
        for link in PersonLink.objects.filter(
            run__is_current=True, record_id__in=list(record_ids)
        ).select_related("person")
    }


def _decide_or_deny(by: Actor, person: Person, attempted: str) -> AccessDecision:
    decision = decide(by, person)
    if not decision.allowed:
        denied(by, person, attempted=attempted, reason=decision.reason)
        raise PermissionDenied(REFUSED)
    return decision


# The HL7 security label for a resource with information removed, and the OperationOutcome
# that says which categories (never what, or how much) were left out and why.
REDACTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "REDACTED",
    "display": "redacted",
}


def _withheld(by: Actor, decision: AccessDecision) -> tuple[Withheld, ...]:
    """The categories the decision does not show, with why; from the decision alone."""
    if by.role == "system":
        return ()
    role = any_role_for(by.role)
    return withheld_categories(role.categories if role else (), decision.categories)


def _redacted(resource: dict[str, Any], withheld: tuple[Withheld, ...]) -> dict[str, Any]:
    """The resource with the REDACTED security label when anything was withheld."""
    if not withheld:
        return resource
    meta = dict(resource.get("meta") or {})
    meta["security"] = [*meta.get("security", []), REDACTED]
    return {**resource, "meta": meta}


def _withheld_outcome(person: Person, withheld: tuple[Withheld, ...]) -> dict[str, Any] | None:
    """An informational OperationOutcome naming the withheld categories, or None."""
    if not withheld:
        return None
    chosen = [category_label(w.category).lower() for w in withheld if w.reason == PERSON_CHOSE]
    role = [category_label(w.category).lower() for w in withheld if w.reason != PERSON_CHOSE]
    issues = []
    if chosen:
        issues.append(
            f"Not included: {', '.join(chosen)}, which the person chose not to share with you."
        )
    if role:
        issues.append(f"Not included: {', '.join(role)}, which your role does not see.")
    return {
        "resourceType": "OperationOutcome",
        "id": f"withheld-{person.external_id}",
        "issue": [
            {"severity": "information", "code": "suppressed", "diagnostics": text}
            for text in issues
        ],
    }


def _visible(kind: str, decision: AccessDecision) -> bool:
    """A service whose very existence is a sensitive category the actor does not see is
    left out altogether (as on the record page)."""
    return may_name_source(kind, decision.categories)


def person_for(ident: str) -> Person:
    """A person by OneStory id (uuid) or `nhs:NNNNNNNNNN` (one person in the current run)."""
    if ident.startswith("nhs:"):
        number = nhs.normalise(ident[4:])
        people = set(
            PersonLink.objects.filter(run__is_current=True, record__nhs_number=number).values_list(
                "person_id", flat=True
            )
        )
        if len(people) != 1:
            raise ResourceNotFound("No single person holds that NHS number.")
        return Person.objects.get(pk=people.pop())
    person = _person_by_id(ident)
    if person is None:
        raise ResourceNotFound("No such person.")
    return person


def _linked_records(person: Person) -> list[SourceRecord]:
    return list(
        SourceRecord.objects.filter(
            links__run__is_current=True, links__person=person
        ).select_related("system")
    )


def _integrated_patient(person: Person, records: list[SourceRecord]) -> dict[str, Any]:
    ordered = sorted(records, key=lambda r: preference_key(r.system.kind, r.updated_at))

    def best(attr: str):
        return next((getattr(r, attr) for r in ordered if getattr(r, attr) not in (None, "")), None)

    numbers = [r.nhs_number for r in ordered if r.nhs_number and nhs.is_valid(r.nhs_number)]
    return patient_resource(
        str(person.external_id),
        given=best("given_name") or "",
        family=best("family_name") or "",
        nhs_number=numbers[0] if numbers else "",
        birth_date=best("date_of_birth"),
        sex=best("sex") or "",
        postcode=best("postcode") or "",
        address=best("address") or "",
        phone=best("phone") or "",
        records=[(r.system.code, r.local_id) for r in ordered],
    )


# ---------------------------------------------------------------------------- read


def read_resource(resource_type: str, resource_id: str, *, by: Actor) -> dict[str, Any]:
    """One resource. `Patient/{person uuid}` is OneStory's integrated person; anything else
    is a stored resource as received."""
    if resource_type == "Patient":
        person = _person_by_id(resource_id)
        if person is not None:
            decision = _decide_or_deny(by, person, "fhir.read")
            records = [r for r in _linked_records(person) if _visible(r.system.kind, decision)]
            if not records:
                raise ResourceNotFound(NOT_FOUND)
            record_event(
                by=by,
                action="fhir.read",
                person_id=str(person.external_id),
                detail={"type": "Patient", "records": len(records)},
            )
            return _redacted(_integrated_patient(person, records), _withheld(by, decision))
    stored = (
        FhirResource.objects.filter(resource_type=resource_type, resource_id=resource_id)
        .select_related("system")
        .first()
    )
    if stored is None:
        raise ResourceNotFound(NOT_FOUND)
    person_id = ""
    if resource_type not in DIRECTORY_TYPES and (stored.patient_ref or stored.record_id):
        person = _people_of_records([stored.record_id]).get(stored.record_id)
        if person is None:
            if by.role != "system":
                raise ResourceNotFound(NOT_FOUND)
        else:
            decision = _decide_or_deny(by, person, "fhir.read")
            kind = stored.system.kind if stored.system else ""
            if stored.category not in decision.categories or not _visible(kind, decision):
                raise ResourceNotFound(NOT_FOUND)
            person_id = str(person.external_id)
    elif not (by.role == "system" or has_permission(by, Permission.VIEW_RECORD)):
        raise PermissionDenied("Your role does not allow reading records.")
    record_event(
        by=by,
        action="fhir.read",
        person_id=person_id,
        detail={"type": resource_type, "id": stored.pk},
    )
    return stored.content


# ---------------------------------------------------------------------------- search


def search(query: Search, *, by: Actor) -> SearchPage:
    """One page of a search, with its `_include`s. Only what the caller may see is found
    or counted: people who refused the caller's organisation are not found at all."""
    if query.resource_type == "Patient":
        return _search_patients(query, by)
    rows = FhirResource.objects.filter(resource_type=query.resource_type)
    p = query.params
    person: Person | None = None
    if "_id" in p:
        rows = rows.filter(resource_id__in=p["_id"][-1].split(","))
    for value in p.get("identifier", []):
        system, code = split_token(value)
        idents = FhirIdentifier.objects.filter(value=code)
        if system:
            idents = idents.filter(system=system)
        rows = rows.filter(pk__in=idents.values("resource_id"))
    for value in p.get("patient", []) + p.get("subject", []):
        ref = value.removeprefix("Patient/")
        person = _person_by_id(ref)
        if person is not None:
            rows = rows.filter(record__links__run__is_current=True, record__links__person=person)
        else:
            rows = rows.filter(patient_ref=f"Patient/{ref}")
    for bound in query.dates:
        low, high = bound.low, bound.high
        rows = rows.filter(
            {
                "eq": Q(event_date__gte=low, event_date__lte=high),
                "ge": Q(event_date__gte=low),
                "gt": Q(event_date__gt=high),
                "le": Q(event_date__lte=high),
                "lt": Q(event_date__lt=low),
            }[bound.op]
        )
    if "status" in p:
        rows = rows.filter(status__in=p["status"][-1].split(","))
    if "name" in p:
        rows = rows.filter(name__icontains=p["name"][-1])
    withheld: tuple[Withheld, ...] = ()
    if person is not None:
        withheld = _withheld(by, _decide_or_deny(by, person, "fhir.search"))
    candidates = list(
        rows.order_by("-event_date", "id").values_list(
            "id", "record_id", "category", "system__kind", "patient_ref"
        )
    )
    if query.resource_type not in DIRECTORY_TYPES:
        candidates = _allowed(candidates, by)
    elif not (by.role == "system" or has_permission(by, Permission.VIEW_RECORD)):
        raise PermissionDenied("Your role does not allow reading records.")
    ids = [c[0] for c in candidates[query.offset : query.offset + query.count]]
    by_id = {r.pk: r.content for r in FhirResource.objects.filter(pk__in=ids)}
    resources = [by_id[i] for i in ids]
    included = _includes(resources, query.includes, by)
    if person is not None and (outcome := _withheld_outcome(person, withheld)) is not None:
        included.append(outcome)
    record_event(
        by=by,
        action="fhir.search",
        person_id=str(person.external_id) if person else "",
        detail={
            "type": query.resource_type,
            "parameters": sorted(p),
            "results": len(candidates),
        },
    )
    return SearchPage(total=len(candidates), resources=resources, included=included)


def _allowed(candidates: list[tuple], by: Actor) -> list[tuple]:
    """Keep the rows whose person the actor may see, in a category they see."""
    people = _people_of_records({c[1] for c in candidates if c[1]})
    decisions: dict[int, AccessDecision] = {}
    kept = []
    for row in candidates:
        person = people.get(row[1])
        if person is None:
            if by.role == "system":
                kept.append(row)
            continue
        if person.pk not in decisions:
            decisions[person.pk] = decide(by, person)
        decision = decisions[person.pk]
        if decision.allowed and row[2] in decision.categories and _visible(row[3] or "", decision):
            kept.append(row)
    return kept


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


def _search_patients(query: Search, by: Actor) -> SearchPage:
    p = query.params
    number = ""
    for value in p.get("identifier", []):
        system, code = split_token(value)
        if system not in (None, NHS_NUMBER_SYSTEM):
            return SearchPage(0, [], [])  # OneStory finds people by NHS number only
        number = code
    if "_id" in p:
        person = _person_by_id(p["_id"][-1])
        if person is None:
            return SearchPage(0, [], [])
        try:
            return SearchPage(1, [read_resource("Patient", p["_id"][-1], by=by)], [])
        except (ResourceNotFound, PermissionDenied):
            return SearchPage(0, [], [])
    try:
        people_query = parse_people_search(
            name=" ".join(p.get("name", [])),
            dob=(p.get("birthdate") or [""])[-1],
            nhs_number=number,
        )
        results = search_people(people_query, by=by, limit=500)
    except SearchQueryError as exc:
        from onestory.interop.domain.search import SearchError

        raise SearchError("; ".join(exc.errors.values())) from None
    allowed = [s for s in results.people if s.access]
    page = allowed[query.offset : query.offset + query.count]
    resources = []
    for summary in page:
        person = Person.objects.get(external_id=summary.person_id)
        decision = decide(by, person)
        records = [r for r in _linked_records(person) if _visible(r.system.kind, decision)]
        resources.append(_redacted(_integrated_patient(person, records), _withheld(by, decision)))
    return SearchPage(total=len(allowed), resources=resources, included=[])


# ---------------------------------------------------------------------------- $everything


def everything(person_ident: str, *, by: Actor) -> list[dict[str, Any]]:
    """The whole integrated record as FHIR resources: the Patient, an Organization per
    source system, each stored FHIR resource as received (its patient reference pointing
    at the integrated Patient), and every other source's timeline entries mapped to the
    resource for their kind. Only what the access decision allows."""
    person = person_for(person_ident)
    decision = _decide_or_deny(by, person, "fhir.everything")
    records = [r for r in _linked_records(person) if _visible(r.system.kind, decision)]
    if not records:
        raise ResourceNotFound(NOT_FOUND)
    withheld = _withheld(by, decision)
    patient = _redacted(_integrated_patient(person, records), withheld)
    patient_ref = f"Patient/{person.external_id}"
    systems = {r.system_id: r.system for r in records}
    orgs = {
        sid: organization_resource(
            s.code, s.org_code, s.org_name, SOURCE_KIND_LABELS.get(s.kind, s.kind)
        )
        for sid, s in systems.items()
    }
    record_ids = [r.id for r in records]
    raw = list(
        FhirResource.objects.filter(record_id__in=record_ids, category__in=decision.categories)
        .exclude(resource_type="Patient")
        .order_by("id")
        .values_list("content", flat=True)
    )
    own_refs = {
        f"Patient/{pid}"
        for pid in FhirResource.objects.filter(
            record_id__in=record_ids, resource_type="Patient"
        ).values_list("resource_id", flat=True)
    }
    raw = [_repoint(c, own_refs, patient_ref) for c in raw]
    directory = _referenced_directory(raw)
    events = (
        SourceEvent.objects.filter(record_id__in=record_ids, category__in=decision.categories)
        .exclude(details__has_key="fhir")
        .order_by("start", "id")
        .values_list(
            "system_id",
            "local_id",
            "kind",
            "title",
            "start",
            "end",
            "status",
            "code",
            "code_system",
            "code_display",
        )
    )
    mapped = []
    for sid, local_id, kind, title, start, end, status, code, code_system, display in events:
        mapped.append(
            event_resource(
                {
                    "id_key": f"{systems[sid].code}|{local_id}",
                    "kind": kind,
                    "kind_label": kind_label(kind),
                    "title": title,
                    "start": start,
                    "end": end,
                    "status": status,
                    "code": code,
                    "code_system": code_system,
                    "code_display": display,
                },
                patient_ref,
                f"Organization/{orgs[sid]['id']}",
            )
        )
    resources = [patient, *orgs.values(), *directory, *raw, *mapped]
    if (outcome := _withheld_outcome(person, withheld)) is not None:
        resources.append(outcome)
    record_event(
        by=by,
        action="fhir.everything",
        person_id=str(person.external_id),
        detail={
            "systems": len(systems),
            "resources": len(resources),
            "basis": decision.basis,
            "categories": sorted(decision.categories),
        },
    )
    return resources


def _repoint(value: Any, own: set[str], target: str) -> Any:
    if isinstance(value, dict):
        return {
            k: (target if k == "reference" and v in own else _repoint(v, own, target))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_repoint(v, own, target) for v in value]
    return value


def _referenced_directory(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Organizations, Practitioners and PractitionerRoles the resources refer to."""
    wanted: set[tuple[str, str]] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str) and ref.split("/")[0] in DIRECTORY_TYPES and "/" in ref:
                wanted.add(tuple(ref.split("/", 1)))  # type: ignore[arg-type]
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(resources)
    if not wanted:
        return []
    q = Q()
    for t, i in wanted:
        q |= Q(resource_type=t, resource_id=i)
    return list(FhirResource.objects.filter(q).order_by("id").values_list("content", flat=True))
