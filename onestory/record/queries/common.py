"""Helpers shared by the record queries: the current run, one person, their records."""

import uuid
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied

from onestory.access.domain.roles import any_role_for
from onestory.access.domain.visibility import may_name_source, withheld_categories
from onestory.access.policy import (
    AccessDecision,
    decide,
    kept,
)
from onestory.access.queries import denied
from onestory.audit.domain.actor import Actor
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.record.domain import summary as rules
from onestory.record.domain.labels import category_label
from onestory.record.queries.results import (
    PersonNotFound,
    WithheldNote,
)
from onestory.sources.models import SourceRecord


def current_run() -> LinkageRun | None:
    return kept(("current run",), LinkageRun.objects.filter(is_current=True).first)


def person_by_id(person_external_id) -> Person:
    try:
        key = uuid.UUID(str(person_external_id))
    except (TypeError, ValueError, AttributeError):
        raise PersonNotFound("No such person.") from None
    try:
        return kept(("person", str(key)), lambda: Person.objects.get(external_id=key))
    except Person.DoesNotExist:
        raise PersonNotFound("No such person.") from None


def linked_records(run: LinkageRun | None, person: Person) -> list[SourceRecord]:
    records = (
        list(
            kept(
                ("linked records", run.pk, person.pk),
                lambda: list(
                    SourceRecord.objects.filter(
                        links__run=run, links__person=person
                    ).select_related("system")
                ),
            )
        )
        if run is not None
        else []
    )
    if not records:
        raise PersonNotFound("This person has no records in the current linkage run.")
    return records


def preferred_order(records: Iterable[SourceRecord]) -> list[SourceRecord]:
    return sorted(records, key=lambda r: rules.preference_key(r.system.kind, r.updated_at))


def first(records: Sequence[SourceRecord], attr: str):
    """The first non-empty value of `attr` in preference order."""
    for r in records:
        value = getattr(r, attr)
        if value not in (None, ""):
            return value
    return None


def records_by_person(
    run: LinkageRun, person_ids: Iterable[int]
) -> dict[int, tuple[Person, list[SourceRecord]]]:
    out: dict[int, tuple[Person, list[SourceRecord]]] = {}
    links = PersonLink.objects.filter(run=run, person_id__in=list(person_ids)).select_related(
        "person", "record__system"
    )
    for link in links:
        out.setdefault(link.person_id, (link.person, []))[1].append(link.record)
    return out


def decide_or_deny(by: Actor, person: Person, attempted: str) -> AccessDecision:
    """The actor's access decision for the person; when refused, the attempt is audited
    as "record.denied" and PermissionDenied raised with a message revealing nothing."""
    decision = decide(by, person)
    if not decision.allowed:
        denied(by, person, attempted=attempted, reason=decision.reason)
        raise PermissionDenied("You do not have access to this person's record.")
    return decision


def visible_records(records: list[SourceRecord], decision: AccessDecision) -> list[SourceRecord]:
    """Records the decision lets the actor know of: a service whose kind is a sensitive
    category they do not see (a mental health trust, when mental health is refused) is
    left out altogether. The person is never left with no record to show: the demographics
    of the others stand."""
    return [r for r in records if may_name_source(r.system.kind, decision.categories)]


def withheld_notes(by: Actor, decision: AccessDecision) -> tuple[WithheldNote, ...]:
    """The categories the decision does not show the actor, with why (ADR 0011)."""
    if by.role == "system":
        return ()
    role = any_role_for(by.role)
    role_sees = role.categories if role is not None else frozenset()
    return tuple(
        WithheldNote(w.category, category_label(w.category), w.reason)
        for w in withheld_categories(role_sees, decision.categories)
    )
