"""Audited reads for /fhir and export: read, vread, `_history` and `$everything` (search is
in `interop.search`). Every read of a person's data asks `onestory.access.policy.decide`
(the same rule as the pages: relationship, role categories, the person's choices), leaves
out what the decision hides, and writes an audit event; a refusal is audited as
`record.denied` and raises PermissionDenied naming nothing about them.

Every source is read from one store: resources received as FHIR and those made from other
sources' timeline entries (`interop.projection`, brought up to date first)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from onestory.access.domain.roles import Permission
from onestory.access.policy import has_permission
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.interop import projection
from onestory.interop.domain.index import served
from onestory.interop.domain.search import DIRECTORY_TYPES
from onestory.interop.models import FROM_SYSTEM, FhirResource
from onestory.interop.patients import (
    NOT_FOUND,
    REFUSED,
    ResourceNotFound,
    decide_or_deny,
    integrated_patient,
    linked_records,
    people_of_records,
    person_by_id,
    person_for,
    redacted,
    visible,
    withheld,
    withheld_outcome,
)
from onestory.interop.scope import Scope
from onestory.interop.scope import visible as visible_rows
from onestory.people.models import Person

__all__ = [
    "NOT_FOUND",
    "REFUSED",
    "ResourceNotFound",
    "everything",
    "history",
    "read_resource",
    "serve_row",
    "stored_for_read",
]


def serve_row(row: FhirResource, person: Person | None, elements: list[str] | None = None):
    """A stored resource as served: its Patient reference pointed at the person."""
    return served(
        row.content,
        row.version_id,
        row.updated_at,
        own_refs={row.patient_ref} if row.patient_ref else None,
        person_ref=f"Patient/{person.external_id}" if person else "",
        elements=elements,
    )


def stored_for_read(
    resource_type: str, resource_id: str, *, by: Actor, attempted: str = "fhir.read"
) -> tuple[FhirResource, Person | None]:
    """A stored resource the caller may read, and the person it is about; 404 when there
    is none they may know of, 403 (audited) when the person is refused to them."""
    projection.sync()
    row = (
        FhirResource.objects.filter(resource_type=resource_type, resource_id=resource_id)
        .select_related("system")
        .first()
    )
    if row is None:
        raise ResourceNotFound(NOT_FOUND)
    person = None
    if resource_type not in DIRECTORY_TYPES and (row.patient_ref or row.record_id):
        person = people_of_records([row.record_id]).get(row.record_id)
        if person is None:
            if by.role != "system":
                raise ResourceNotFound(NOT_FOUND)
        else:
            decision = decide_or_deny(by, person, attempted)
            kind = row.system.kind if row.system else ""
            if row.category not in decision.categories or not visible(kind, decision):
                raise ResourceNotFound(NOT_FOUND)
    elif not (by.role == "system" or has_permission(by, Permission.VIEW_RECORD)):
        raise PermissionDenied("Your role does not allow reading records.")
    return row, person


def _read_patient(person: Person, by: Actor, action: str = "fhir.read") -> dict[str, Any]:
    decision = decide_or_deny(by, person, action)
    records = [r for r in linked_records(person) if visible(r.system.kind, decision)]
    if not records:
        raise ResourceNotFound(NOT_FOUND)
    record_event(
        by=by,
        action=action,
        person_id=str(person.external_id),
        detail={"type": "Patient", "records": len(records)},
    )
    return redacted(integrated_patient(person, records), withheld(by, decision))


def read_resource(resource_type: str, resource_id: str, *, by: Actor) -> dict[str, Any]:
    """One resource. `Patient/{person uuid}` is OneStory's integrated person; anything else
    is a stored resource (received, or made from a source's timeline entry)."""
    if resource_type == "Patient":
        person = person_by_id(resource_id)
        if person is not None:
            return _read_patient(person, by)
    row, person = stored_for_read(resource_type, resource_id, by=by)
    record_event(
        by=by,
        action="fhir.read",
        person_id=str(person.external_id) if person else "",
        detail={"type": resource_type, "id": row.pk, "version": row.version_id},
    )
    return serve_row(row, person)


def history(
    resource_type: str, resource_id: str, *, by: Actor, version: str | None = None
) -> list[dict[str, Any]]:
    """Every version of a stored resource, newest first (or the one `version`: vread).
    The integrated Patient has no versions of its own: it is a view."""
    row, person = stored_for_read(resource_type, resource_id, by=by, attempted="fhir.history")
    versions = [serve_row(row, person)]
    for old in row.versions.order_by("-version_id"):
        versions.append(
            serve_row(
                FhirResource(
                    content=old.content,
                    version_id=old.version_id,
                    updated_at=old.updated_at,
                    patient_ref=row.patient_ref,
                ),
                person,
            )
        )
    if version is not None:
        versions = [v for v in versions if v["meta"]["versionId"] == version]
        if not versions:
            raise ResourceNotFound(f"{resource_type}/{resource_id} has no version {version}.")
    record_event(
        by=by,
        action="fhir.vread" if version is not None else "fhir.history",
        person_id=str(person.external_id) if person else "",
        detail={"type": resource_type, "id": row.pk, "versions": len(versions)},
    )
    return versions


# ---------------------------------------------------------------------------- $everything


def everything(person_ident: str, *, by: Actor) -> list[dict[str, Any]]:
    """The whole integrated record as FHIR resources: the Patient, an Organization per
    source system, and every resource about the person from every source (received as
    FHIR, its patient reference pointing at the integrated Patient, or made from another
    source's timeline entry), each under the id it is read by. Only what the access
    decision allows."""
    projection.sync()
    person = person_for(person_ident)
    decision = decide_or_deny(by, person, "fhir.everything")
    records = [r for r in linked_records(person) if visible(r.system.kind, decision)]
    if not records:
        raise ResourceNotFound(NOT_FOUND)
    held_back = withheld(by, decision)
    patient = redacted(integrated_patient(person, records), held_back)
    systems = {r.system_id: r.system for r in records}
    orgs = [
        serve_row(row, None)
        for row in FhirResource.objects.filter(
            origin=FROM_SYSTEM, source_system_id__in=list(systems)
        ).order_by("id")
    ]
    scope = Scope(everyone=False, decisions={person.pk: decision})
    rows = list(
        visible_rows(FhirResource.objects.exclude(resource_type="Patient"), scope, [person.pk])
        .select_related("system")
        .order_by("event_date", "id")
    )
    raw = [serve_row(row, person) for row in rows]
    directory = _referenced_directory(raw, {o["id"] for o in orgs})
    resources = [patient, *orgs, *directory, *raw]
    if (outcome := withheld_outcome(person, held_back)) is not None:
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


def _referenced_directory(resources: list[dict[str, Any]], have: set[str]) -> list[dict]:
    """The Organizations, Practitioners and PractitionerRoles the resources refer to."""
    wanted: set[tuple[str, str]] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str) and ref.split("/")[0] in DIRECTORY_TYPES and "/" in ref:
                rtype, rid = ref.split("/", 1)
                if rid not in have:
                    wanted.add((rtype, rid))
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
    return [serve_row(row, None) for row in FhirResource.objects.filter(q).order_by("id")]
