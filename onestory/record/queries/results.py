"""What the record queries return: frozen results, no database access."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404

from onestory.record.domain import summary as rules
from onestory.sources.domain.facts import (
    SENSITIVE_CATEGORIES,
    SOURCE_KIND_LABELS,
)
from onestory.sources.models import SourceSystem

# Kinds of event that carry a diagnosis in their code (a GP condition, or the diagnosis
# another service recorded for an attendance or admission).
DIAGNOSIS_KINDS = frozenset({"condition", "diagnosis", "ae_attendance", "admission"})


class PersonNotFound(Http404):
    """No person with that id, or none with any record in the current linkage run."""


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SystemRef:
    """A source system as shown beside what it holds: organisation name and kind."""

    code: str
    kind: str
    kind_label: str
    org_code: str
    org_name: str

    @classmethod
    def of(cls, system: SourceSystem) -> "SystemRef":
        return cls(
            code=system.code,
            kind=system.kind,
            kind_label=SOURCE_KIND_LABELS.get(system.kind, system.kind),
            org_code=system.org_code,
            org_name=system.org_name,
        )


@dataclass(frozen=True)
class PersonSummary:
    """One search result: enough to tell people apart, no more. Without a relationship
    (ADR 0011) only the name and year of birth are shown, with the identifiers the searcher
    typed; the rest is None and named in `withheld`."""

    person_id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    nhs_number: str | None  # formatted 3-3-4, "" when no source holds one, None withheld
    postcode: str | None
    systems: int | None
    # Whether the searcher may open the record now (a legitimate relationship); without
    # it the result shows only to confirm who they are, so they can join the care team or
    # break glass.
    access: bool = False
    birth_year: int | None = None
    withheld: tuple[str, ...] = ()
    # 1 for a match as typed; below 1, how close a misspelt name came (Jaro–Winkler).
    match: float = 1.0

    @property
    def name(self) -> str:
        return display_name(self.given_name, self.family_name)


@dataclass(frozen=True)
class SearchResults:
    people: tuple[PersonSummary, ...]  # this page
    total: int  # people listed across every page
    limit: int
    offset: int = 0
    # People matching a precise query who chose not to share their record with the
    # searcher's organisation: shown as a count, never by name.
    not_shared: int = 0
    # True when the query was not precise enough to list people the searcher has no
    # relationship with (a postcode, a surname): it says nothing about whether any exist.
    related_only: bool = False

    @property
    def truncated(self) -> bool:
        return self.total > self.offset + len(self.people)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


@dataclass(frozen=True)
class IdentityVariant:
    """Who one source system thinks the person is."""

    system: SystemRef
    local_id: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    birth_year: int | None
    birth_month: int | None
    sex: str
    nhs_number: str  # formatted, or ""
    postcode: str
    address: str
    phone: str
    updated_at: datetime

    @property
    def name(self) -> str:
        return display_name(self.given_name, self.family_name)

    @property
    def partial_birth(self) -> str:
        """A partial date of birth as the source held it ("03/1950", "1950"), or ""."""
        if self.birth_year and self.birth_month:
            return f"{self.birth_month:02d}/{self.birth_year}"
        return str(self.birth_year or "")


@dataclass(frozen=True)
class Identity:
    """The preferred demographics (GP record first, then the most recently updated), with
    every variant the sources hold."""

    given_name: str
    family_name: str
    date_of_birth: date | None
    sex: str
    nhs_number: str  # formatted 3-3-4, or ""
    postcode: str
    address: str
    phone: str
    preferred_from: SystemRef
    variants: tuple[IdentityVariant, ...]

    @property
    def name(self) -> str:
        return display_name(self.given_name, self.family_name)


@dataclass(frozen=True)
class ConditionEntry:
    code: str
    code_system: str
    display: str
    onset: date | None
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True)
class Professional:
    name: str
    last_seen: date | None
    entries: int


@dataclass(frozen=True)
class InvolvedOrganisation:
    """A source system holding a record for the person, with the professionals it names
    and how much it holds."""

    system: SystemRef
    local_ids: tuple[str, ...]
    events: int
    first_event: date | None
    last_event: date | None
    professionals: tuple[Professional, ...]


@dataclass(frozen=True)
class CurrentService:
    group: str
    kind: str
    title: str
    start: date | None
    status: str
    system: SystemRef
    hours_per_week: Decimal | None
    weekly_cost: rules.Money | None


@dataclass(frozen=True)
class RelatedPerson:
    """Someone in the person's household or family. `person_id` is set when the other
    record is linked to a person; otherwise `name` is what the source wrote."""

    relationship: str  # code: carer, cared_for, parent, household_member …
    relationship_label: str
    person_id: uuid.UUID | None
    name: str
    date_of_birth: date | None
    description: str  # the sources' own words for the relationship ("Daughter"), if any
    how: str  # why they are listed: which sources said so, or a shared address
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True)
class WithheldNote:
    """A data category not shown to the reader, and why ("role": their role does not see
    it; "person_choice": the person chose not to share it). It follows from the access
    decision alone, so it says nothing about whether, or how much, the record holds."""

    category: str
    label: str
    reason: str

    @property
    def sensitive(self) -> bool:
        return self.category in SENSITIVE_CATEGORIES


# Categories a card can hold, for saying which withheld categories concern it.
DIAGNOSIS_CATEGORIES = frozenset({"clinical", "mental_health", "sexual_health"})


@dataclass(frozen=True)
class PersonRecord:
    person_id: uuid.UUID
    identity: Identity
    age: int | None
    conditions: tuple[ConditionEntry, ...]
    organisations: tuple[InvolvedOrganisation, ...]
    current_services: tuple[CurrentService, ...]
    household: tuple[RelatedPerson, ...]
    family: tuple[RelatedPerson, ...]
    # Every category not shown to the reader: each card says so where it concerns it.
    withheld: tuple[WithheldNote, ...] = ()

    @property
    def withheld_diagnoses(self) -> tuple[WithheldNote, ...]:
        """What the conditions card cannot show."""
        return tuple(w for w in self.withheld if w.category in DIAGNOSIS_CATEGORIES)

    @property
    def withheld_services(self) -> tuple[WithheldNote, ...]:
        """Sensitive categories whose services, teams and staff are not even named (who is
        involved, the care team, the source systems, "known to N systems")."""
        return tuple(w for w in self.withheld if w.sensitive)

    @property
    def nhs_number(self) -> str:
        return self.identity.nhs_number

    @property
    def counts(self) -> tuple[tuple[SystemRef, int, int], ...]:
        """(system, records, events) per source system."""
        return tuple((o.system, len(o.local_ids), o.events) for o in self.organisations)

    @property
    def total_events(self) -> int:
        return sum(o.events for o in self.organisations)


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    kind_label: str
    category: str
    category_label: str
    title: str
    start: date | None
    end: date | None
    status: str
    code: str
    code_system: str
    code_display: str
    practitioner: str
    details: dict[str, Any]
    system: SystemRef
    event_local_id: str
    record_local_id: str
    source_file: str
    source_row: int | None


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Timeline:
    person_id: uuid.UUID
    items: tuple[TimelineItem, ...]
    total: int  # matching the filters
    page: int
    page_size: int
    systems: tuple[FacetValue, ...]  # counts over all of the person's entries
    kinds: tuple[FacetValue, ...]
    categories: tuple[FacetValue, ...]
    withheld: tuple[WithheldNote, ...] = ()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def display_name(given: str, family: str) -> str:
    return " ".join(part for part in (given, family) if part).strip()
