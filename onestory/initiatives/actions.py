"""Writes of the initiative register: an initiative and where it runs, an evaluation run
(kept whole), a returned survey. Each in one transaction with its audit event (ids, codes
and counts only)."""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.initiatives.domain import quarters, register, survey
from onestory.initiatives.models import (
    EvaluationRun,
    Initiative,
    InitiativeLocality,
    SurveyResponse,
)

MAX_PEOPLE = 100_000_000  # more than England: a typing slip, and it must fit the column
MAX_COST_PENCE = 10**15  # £10 trillion


class Invalid(ValueError):
    """Bad input: a message per field (the field's name as the form names it)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class InitiativeInput:
    name: str
    kind: str
    aims: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    people_reached: int | None = None
    cost_pence: int | None = None
    indicators: list[str] = field(default_factory=list)
    status: str = "planned"
    learned: str = ""
    decision: str = ""
    places: list[tuple[str, str]] = field(default_factory=list)  # (locality code, "2025Q3")


def _check(data: InitiativeInput) -> dict[str, str]:
    from onestory.places.models import Locality

    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "Enter the initiative's name."
    if data.kind not in register.KINDS:
        errors["kind"] = "Choose the type of initiative."
    if data.status not in register.STATUSES:
        errors["status"] = "Choose a status."
    if data.decision not in register.DECISIONS:
        errors["decision"] = "Choose a decision, or leave it as not decided yet."
    bad = [i for i in data.indicators if i not in register.INDICATORS]
    if bad:
        errors["indicators"] = "Choose outcome indicators from the list."
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = "The end date must be the same as or after the start date."
    if data.people_reached is not None and not 0 <= data.people_reached <= MAX_PEOPLE:
        errors["people_reached"] = f"People reached must be from 0 to {MAX_PEOPLE:,}."
    if data.cost_pence is not None and not 0 <= data.cost_pence <= MAX_COST_PENCE:
        errors["cost"] = f"The cost must be from £0 to £{MAX_COST_PENCE // 100:,}."
    known = set(Locality.objects.values_list("code", flat=True))
    seen = set()
    for code, quarter in data.places:
        if code not in known:
            errors["places"] = f"Locality {code!r} is not one this installation knows."
            break
        if code in seen:
            errors["places"] = f"Locality {code} is listed twice."
            break
        seen.add(code)
        try:
            quarters.parse(quarter)
        except quarters.QuarterError as exc:
            errors["places"] = f"Locality {code}: start quarter {exc}"
            break
    return errors


def _save_places(initiative: Initiative, places: list[tuple[str, str]]) -> None:
    from onestory.places.models import Locality

    by_code = {loc.code: loc for loc in Locality.objects.filter(code__in=[c for c, _ in places])}
    initiative.places.exclude(locality__code__in=[c for c, _ in places]).delete()
    for code, quarter in places:
        InitiativeLocality.objects.update_or_create(
            initiative=initiative,
            locality=by_code[code],
            defaults={"start_quarter": quarters.of(quarters.first_day(quarter))},
        )


_FIELDS = (
    "name",
    "kind",
    "aims",
    "starts_on",
    "ends_on",
    "people_reached",
    "cost_pence",
    "indicators",
    "status",
    "learned",
    "decision",
)


def create_initiative(data: InitiativeInput, *, by: Actor) -> Initiative:
    require(by, Permission.MANAGE_INITIATIVES)
    errors = _check(data)
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        initiative = Initiative.objects.create(
            **{f: getattr(data, f) for f in _FIELDS},
            created_by_label=by.label,
        )
        initiative.name = initiative.name.strip()
        initiative.save(update_fields=["name"])
        _save_places(initiative, data.places)
        record_event(
            by=by,
            action="initiative.created",
            detail={
                "initiative": str(initiative.external_id),
                "kind": data.kind,
                "localities": [c for c, _ in data.places],
            },
        )
    return initiative


def update_initiative(initiative: Initiative, data: InitiativeInput, *, by: Actor) -> list[str]:
    """Save the changes; returns the names of the fields that changed (nothing changed:
    nothing saved, nothing audited)."""
    require(by, Permission.MANAGE_INITIATIVES)
    errors = _check(data)
    if errors:
        raise Invalid(errors)
    changed = [f for f in _FIELDS if getattr(initiative, f) != getattr(data, f)]
    before = sorted((p.locality.code, p.start_quarter) for p in initiative.places.all())
    after = sorted((c, quarters.of(quarters.first_day(q))) for c, q in data.places)
    if before != after:
        changed.append("localities")
    if not changed:
        return []
    with transaction.atomic():
        for f in _FIELDS:
            setattr(initiative, f, getattr(data, f))
        initiative.updated_at = timezone.now()
        initiative.save()
        _save_places(initiative, data.places)
        record_event(
            by=by,
            action="initiative.updated",
            detail={"initiative": str(initiative.external_id), "changed": changed},
        )
    return changed


# ----------------------------------------------------------------------------- evaluations


def panel_csv(frame) -> tuple[str, str]:
    """The panel as CSV text (rows in a fixed order) and its SHA-256."""
    ordered = frame.sort(["indicator", "locality", "quarter"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ordered.columns)
    for row in ordered.iter_rows():
        writer.writerow(["" if v is None else v for v in row])
    text = buffer.getvalue()
    return text, hashlib.sha256(text.encode()).hexdigest()


def run_evaluation(
    initiative: Initiative,
    *,
    indicator: str,
    treated: list[str],
    comparators: list[str],
    start_quarter: str,
    methods: list[str],
    by: Actor,
    seed: int = 0,
    placebo_draws: int = 200,
) -> EvaluationRun:
    """Build the locality-quarter panel, run each method on it and keep the run whole."""
    from onestory.initiatives import evaluate

    require(by, Permission.MANAGE_INITIATIVES)
    inputs = evaluate.check_inputs(
        initiative,
        indicator=indicator,
        treated=treated,
        comparators=comparators,
        start_quarter=start_quarter,
        methods=methods,
    )
    frame = evaluate.build_panel_frame(inputs, by=by)
    text, digest = panel_csv(frame)
    results, notes = evaluate.run_methods(frame, inputs, seed=seed, placebo_draws=placebo_draws)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            initiative=initiative,
            indicator=inputs.indicator,
            treated=inputs.treated,
            comparators=inputs.comparators,
            start_quarter=inputs.start_quarter,
            methods=inputs.methods,
            seed=seed,
            placebo_draws=placebo_draws,
            panel_csv=text,
            panel_sha256=digest,
            code_version=evaluate.current_code_version(),
            results=results,
            notes=notes,
            ran_by_id=by.id,
            ran_by_label=by.label,
        )
        record_event(
            by=by,
            action="initiative.evaluation_run",
            detail={
                "initiative": str(initiative.external_id),
                "run": str(run.external_id),
                "indicator": inputs.indicator,
                "treated": inputs.treated,
                "comparators": inputs.comparators,
                "start": inputs.start_quarter,
                "methods": inputs.methods,
                "panel_sha256": digest,
                "code_version": run.code_version,
            },
        )
    return run


# ----------------------------------------------------------------------------- surveys


def record_survey(
    person,
    *,
    respondent: str,
    answered_on: date,
    raw_answers: dict[str, str],
    by: Actor,
    channel: str = "paper",
) -> SurveyResponse:
    """A returned survey for `person`. Staff need a legitimate relationship that the
    person has not refused (`access.policy.decide`); the person answers for themselves."""
    from onestory.initiatives.queries import check_survey_access

    check_survey_access(person, by=by)
    errors: dict[str, str] = {}
    if respondent not in survey.RESPONDENTS:
        errors["respondent"] = "Choose who answered the survey."
    if answered_on > timezone.localdate():
        errors["answered_on"] = "The date the survey was answered must be in the past."
    try:
        answers = survey.clean_answers(raw_answers)
    except survey.SurveyError as exc:
        errors["answers"] = str(exc)
    if errors:
        raise Invalid(errors)
    if by.role not in ("person", "representative") and channel == "portal":
        raise PermissionDenied("Only the person answers in their portal.")
    with transaction.atomic():
        response = SurveyResponse.objects.create(
            person=person,
            respondent=respondent,
            answered_on=answered_on,
            answers=answers,
            channel=channel,
            entered_by_label=by.label,
        )
        record_event(
            by=by,
            action="survey.recorded",
            person_id=str(person.external_id),
            detail={
                "survey": survey.SURVEY,
                "respondent": respondent,
                "answers": len(answers),
                "channel": channel,
            },
        )
    return response
