"""The clinical summary of a person's record: current and past problems in plain English,
medicines, allergies and alerts, from the GP and hospital data.

Read like every other part of the record: through `access.policy.decide` (only entries of
the categories the actor sees; clinical entries are withheld — and said to be — from roles
without the clinical category), audited as "record.summary", once per visit when a page
passes its visit token (onestory.record.visits). The plain-English words and the current /
past rule are pure rules in `record/domain/clinical.py`."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from onestory.access.policy import AccessDecision
from onestory.audit.domain.actor import Actor
from onestory.record.domain import clinical as rules
from onestory.record.domain.summary import GP_KIND
from onestory.record.queries import SystemRef
from onestory.record.queries.common import (
    current_run,
    decide_or_deny,
    linked_records,
    person_by_id,
    visible_records,
    withheld_notes,
)
from onestory.record.queries.results import DIAGNOSIS_CATEGORIES, WithheldNote
from onestory.record.visits import audit_read
from onestory.sources.models import SourceEvent

# Timeline kinds that carry a problem in their code, and those whose status is a clinical
# status (the others are attendances and admissions: their status is the visit's).
PROBLEM_KINDS = frozenset({"condition", "diagnosis", "ae_attendance", "admission"})
CLINICAL_STATUS_KINDS = frozenset({"condition", "diagnosis"})
SUMMARY_KINDS = PROBLEM_KINDS | {"medication", "allergy", "alert"}
CLINICAL = "clinical"


@dataclass(frozen=True)
class Problem:
    term: str  # in plain English
    clinical_term: str  # the source's words, cleaned of SNOMED's tag
    code: str
    code_system: str
    onset: date | None
    end: date | None
    current: bool
    reason: str  # why it is past: resolved, ended, short-term …
    systems: tuple[SystemRef, ...]

    @property
    def is_snomed(self) -> bool:
        return self.code_system == rules.SNOMED


@dataclass(frozen=True)
class Medicine:
    name: str
    code: str
    first_issued: date | None
    last_issued: date | None
    issues: int
    current: bool
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True)
class Allergy:
    term: str
    clinical_term: str
    code: str
    recorded: date | None
    criticality: str
    reaction: str
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True)
class Alert:
    term: str
    code: str
    start: date | None
    end: date | None
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True)
class ClinicalSummary:
    person_id: uuid.UUID
    withheld: bool  # the actor may not see clinical entries (their role, or the person's choice)
    current_problems: tuple[Problem, ...]
    past_problems: tuple[Problem, ...]
    medicines: tuple[Medicine, ...]  # current
    past_medicines: tuple[Medicine, ...]
    allergies: tuple[Allergy, ...]
    alerts: tuple[Alert, ...]
    gp_names: tuple[str, ...]  # the GP practices the summary draws on
    # The categories not shown to the reader, and why, in the record's own wording.
    withheld_notes: tuple[WithheldNote, ...] = ()

    @property
    def withheld_problems(self) -> tuple[WithheldNote, ...]:
        """What the conditions card cannot show (clinical, mental and sexual health)."""
        return tuple(w for w in self.withheld_notes if w.category in DIAGNOSIS_CATEGORIES)

    @property
    def withheld_clinical(self) -> tuple[WithheldNote, ...]:
        """What the medicines, allergies and alerts cards cannot show."""
        return tuple(w for w in self.withheld_notes if w.category == CLINICAL)


def get_clinical_summary(person_external_id, *, by: Actor, visit: str = "") -> ClinicalSummary:
    """The clinical summary, as far as the access decision allows. Refusals are audited as
    "record.denied" and raise PermissionDenied, as for the rest of the record."""
    person = person_by_id(person_external_id)
    decision = decide_or_deny(by, person, "record.summary")
    records = visible_records(linked_records(current_run(), person), decision)
    systems = {r.system_id: SystemRef.of(r.system) for r in records}
    events = list(
        SourceEvent.objects.filter(
            record_id__in=[r.id for r in records],
            category__in=decision.categories,
            kind__in=SUMMARY_KINDS,
        )
        .only(
            "system_id",
            "kind",
            "title",
            "start",
            "end",
            "status",
            "code",
            "code_system",
            "code_display",
            "details",
        )
        .order_by("start", "id")
    )
    summary = build_summary(
        person.external_id,
        events,
        systems,
        decision,
        timezone.localdate(),
        withheld=withheld_notes(by, decision),
    )
    audit_read(
        by=by,
        action="record.summary",
        person_id=str(person.external_id),
        visit=visit,
        detail={
            "problems": len(summary.current_problems) + len(summary.past_problems),
            "medicines": len(summary.medicines) + len(summary.past_medicines),
            "allergies": len(summary.allergies),
            "alerts": len(summary.alerts),
            "withheld": summary.withheld,
        },
    )
    return summary


def build_summary(
    person_id: uuid.UUID,
    events: list[SourceEvent],
    systems: dict[int, SystemRef],
    decision: AccessDecision,
    today: date,
    withheld: tuple[WithheldNote, ...] = (),
) -> ClinicalSummary:
    problems = _problems(events, systems, today)
    medicines = _medicines(events, systems, today)
    return ClinicalSummary(
        person_id=person_id,
        withheld=CLINICAL not in decision.categories,
        current_problems=tuple(p for p in problems if p.current),
        past_problems=tuple(
            sorted(
                (p for p in problems if not p.current),
                key=lambda p: -(p.end or p.onset or date.min).toordinal(),
            )
        ),
        medicines=tuple(m for m in medicines if m.current),
        past_medicines=tuple(m for m in medicines if not m.current),
        allergies=_allergies(events, systems),
        alerts=_alerts(events, systems, today),
        gp_names=tuple(sorted({s.org_name for s in systems.values() if s.kind == GP_KIND})),
        withheld_notes=withheld,
    )


def _key(e: SourceEvent) -> str:
    return e.code or (e.code_display or e.title).strip().lower()


def _problems(
    events: list[SourceEvent], systems: dict[int, SystemRef], today: date
) -> list[Problem]:
    groups: dict[str, list[SourceEvent]] = defaultdict(list)
    for e in events:
        if e.kind not in PROBLEM_KINDS:
            continue
        if e.kind not in CLINICAL_STATUS_KINDS and not e.code:
            continue  # an attendance with no diagnosis says nothing about a problem
        if _key(e):
            groups[_key(e)].append(e)
    out = []
    for group in groups.values():
        states = [
            rules.problem_state(
                code=e.code,
                status=e.status if e.kind in CLINICAL_STATUS_KINDS else "",
                end=e.end if e.kind in CLINICAL_STATUS_KINDS else None,
                onset=e.start,
                today=today,
            )
            for e in group
        ]
        current = any(s.current for s in states)
        # The GP's wording wins: it is the record the person's care is coded against.
        named = next(
            (e for e in group if systems[e.system_id].kind == GP_KIND and e.code_display),
            next((e for e in group if e.code_display), group[0]),
        )
        display = named.code_display or named.title
        onsets = [e.start for e in group if e.start]
        ends = [e.end for e in group if e.end]
        out.append(
            Problem(
                term=rules.plain_term(named.code, display),
                clinical_term=rules.clean_display(display),
                code=named.code,
                code_system=named.code_system,
                onset=min(onsets) if onsets else None,
                end=max(ends) if ends and not current else None,
                current=current,
                reason="" if current else states[-1].reason,
                systems=tuple({e.system_id: systems[e.system_id] for e in group}.values()),
            )
        )
    out.sort(key=lambda p: (p.onset is None, p.onset or date.min, p.term.lower()))
    return out


def _medicines(
    events: list[SourceEvent], systems: dict[int, SystemRef], today: date
) -> list[Medicine]:
    groups: dict[str, list[SourceEvent]] = defaultdict(list)
    for e in events:
        if e.kind == "medication" and _key(e):
            groups[_key(e)].append(e)
    out = []
    for group in groups.values():
        latest = group[-1]  # events come oldest first
        dates = [e.start for e in group if e.start]
        last = max(dates) if dates else None
        out.append(
            Medicine(
                name=rules.clean_display(latest.code_display or latest.title),
                code=latest.code,
                first_issued=min(dates) if dates else None,
                last_issued=last,
                issues=len(group),
                current=rules.medicine_current(status=latest.status, last_issued=last, today=today),
                systems=tuple({e.system_id: systems[e.system_id] for e in group}.values()),
            )
        )
    out.sort(key=lambda m: m.name.lower())
    return out


def _allergies(events: list[SourceEvent], systems: dict[int, SystemRef]) -> tuple[Allergy, ...]:
    found: dict[str, Allergy] = {}
    for e in events:
        if e.kind != "allergy" or (e.status or "").lower() in rules.PAST_STATUSES:
            continue
        display = e.code_display or e.title
        details = e.details or {}
        found[_key(e)] = Allergy(
            term=rules.plain_term(e.code, display),
            clinical_term=rules.clean_display(display),
            code=e.code,
            recorded=e.start,
            criticality=str(details.get("criticality", "")),
            reaction=str(details.get("reaction", "")),
            systems=(systems[e.system_id],),
        )
    return tuple(sorted(found.values(), key=lambda a: a.term.lower()))


def _alerts(
    events: list[SourceEvent], systems: dict[int, SystemRef], today: date
) -> tuple[Alert, ...]:
    out = []
    for e in events:
        if e.kind != "alert":
            continue
        if (e.status or "").lower() in ("inactive", "entered-in-error") or (
            e.end and e.end < today
        ):
            continue
        out.append(
            Alert(
                term=rules.clean_display(e.code_display or e.title),
                code=e.code,
                start=e.start,
                end=e.end,
                systems=(systems[e.system_id],),
            )
        )
    return tuple(out)
