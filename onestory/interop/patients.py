"""The people behind /fhir: the integrated Patient, the access decision for one person,
and what it withholds (said, never silently dropped)."""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from onestory.access.domain.roles import any_role_for
from onestory.access.domain.visibility import (
    PERSON_CHOSE,
    Withheld,
    may_name_source,
    withheld_categories,
)
from onestory.access.policy import AccessDecision, decide
from onestory.access.queries import denied
from onestory.audit.domain.actor import Actor
from onestory.interop.domain.mapping import patient_resource
from onestory.people.domain import nhs_number as nhs
from onestory.people.models import Person, PersonLink
from onestory.record.domain.labels import category_label
from onestory.record.domain.summary import preference_key
from onestory.sources.models import SourceRecord

NOT_FOUND = "No such resource."
REFUSED = "You do not have access to this person's record."


class ResourceNotFound(Http404):
    """No resource with that id that the caller may know of."""


def person_by_id(person_id: str) -> Person | None:
    try:
        key = uuid.UUID(str(person_id))
    except ValueError:
        return None
    return Person.objects.filter(external_id=key).first()


def people_of_records(record_ids) -> dict[int, Person]:
    return {
        link.record_id: link.person
        for link in PersonLink.objects.filter(
            run__is_current=True, record_id__in=list(record_ids)
        ).select_related("person")
    }


def decide_or_deny(by: Actor, person: Person, attempted: str) -> AccessDecision:
    from onestory.interop.scope import app_patient

    limit = app_patient()
    if limit is not None and limit != person.pk:
        # A SMART patient/* token is for one person only (ADR 0030).
        denied(by, person, attempted=attempted, reason="outside_app_scope")
        raise PermissionDenied(REFUSED)
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


def withheld(by: Actor, decision: AccessDecision) -> tuple[Withheld, ...]:
    """The categories the decision does not show, with why; from the decision alone."""
    if by.role == "system":
        return ()
    role = any_role_for(by.role)
    return withheld_categories(role.categories if role else (), decision.categories)


def redacted(resource: dict[str, Any], withheld: tuple[Withheld, ...]) -> dict[str, Any]:
    """The resource with the REDACTED security label when anything was withheld."""
    if not withheld:
        return resource
    meta = dict(resource.get("meta") or {})
    meta["security"] = [*meta.get("security", []), REDACTED]
    return {**resource, "meta": meta}


def withheld_outcome(person: Person, withheld: tuple[Withheld, ...]) -> dict[str, Any] | None:
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


def visible(kind: str, decision: AccessDecision) -> bool:
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
    person = person_by_id(ident)
    if person is None:
        raise ResourceNotFound("No such person.")
    return person


def linked_records(person: Person) -> list[SourceRecord]:
    return list(
        SourceRecord.objects.filter(
            links__run__is_current=True, links__person=person
        ).select_related("system")
    )


def integrated_patient(person: Person, records: list[SourceRecord]) -> dict[str, Any]:
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
