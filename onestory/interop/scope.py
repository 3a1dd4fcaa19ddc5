"""Access applied inside the query (ADR 0016). `access.policy.decide_related` gives the
people the caller holds access to, with each decision; this turns them into a filter on
stored resources: the resource's source record is linked (in the current run) to one of
those people, its data category is one the decision shows, and its source may be named to
the caller. The database never reads another person's rows, and nobody is decided one by
one over the whole store."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from onestory.access.domain.roles import Permission
from onestory.access.domain.visibility import may_name_source
from onestory.access.policy import AccessDecision, decide_related, has_permission
from onestory.audit.domain.actor import Actor
from onestory.people.models import PersonLink
from onestory.sources.domain.facts import SOURCE_KIND_LABELS


@dataclass
class Scope:
    """What one caller may see: everyone (the system itself), or these people with
    these decisions; and whether resources about nobody (directories) are open to them."""

    everyone: bool
    decisions: dict[int, AccessDecision] = field(default_factory=dict)
    directory: bool = False

    def groups(self) -> dict[frozenset[str], list[int]]:
        """People by the categories they are seen in (usually one or two groups)."""
        out: dict[frozenset[str], list[int]] = {}
        for pid, decision in self.decisions.items():
            out.setdefault(decision.categories, []).append(pid)
        return out


# A SMART `patient/*` token limits every read of a request to one person (ADR 0030): the
# person's pk while such a request runs, else None. Set by the /fhir views only.
_app_patient: ContextVar[int | None] = ContextVar("smart_app_patient", default=None)


@contextmanager
def limited_to_person(person_pk: int | None) -> Iterator[None]:
    """While the block runs, reads see at most this person (None: no limit)."""
    token = _app_patient.set(person_pk)
    try:
        yield
    finally:
        _app_patient.reset(token)


def app_patient() -> int | None:
    """The one person a SMART `patient/*` token limits this request to, or None."""
    return _app_patient.get()


def scope_for(by: Actor) -> Scope:
    decisions = decide_related(by)
    limit = app_patient()
    if limit is not None:
        # Still the actor's own decision for that person: the token never widens access.
        decisions = {p: d for p, d in (decisions or {}).items() if p == limit}
        return Scope(everyone=False, decisions=decisions, directory=True)
    directory = by.role == "system" or has_permission(by, Permission.VIEW_RECORD)
    if decisions is None:
        return Scope(everyone=True, directory=True)
    return Scope(everyone=False, decisions=decisions, directory=directory)


def nameable_kinds(categories: frozenset[str]) -> list[str]:
    return [k for k in SOURCE_KIND_LABELS if may_name_source(k, categories)]


def records_of(person_ids: list[int]) -> QuerySet:
    """The source records linked to these people in the current run (a subquery)."""
    return PersonLink.objects.filter(run__is_current=True, person_id__in=person_ids).values(
        "record_id"
    )


def visible(rows: QuerySet, scope: Scope, person_ids: list[int] | None = None) -> QuerySet:
    """`rows` (FhirResource) cut to what the scope shows; to these people only when
    `person_ids` is given."""
    about_nobody = Q(record__isnull=True, patient_ref="")
    if scope.everyone:
        if person_ids is None:
            return rows
        return rows.filter(record_id__in=records_of(person_ids))
    allowed = Q(pk__in=[])
    for categories, people in scope.groups().items():
        if person_ids is not None:
            people = [p for p in people if p in person_ids]
        if not people:
            continue
        allowed |= Q(
            record_id__in=records_of(people),
            category__in=sorted(categories),
            system__kind__in=nameable_kinds(categories),
        )
    if scope.directory and person_ids is None:
        allowed |= about_nobody
    return rows.filter(allowed)
