"""CarePlans from other systems come in as proposals: every note, activity and goal
becomes a draft statement marked with the sending system, whatever the sender says about
who wrote it. Only the person (or their representative) can make it their words, in
OneStory, by confirming it."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from onestory.audit.domain.actor import Actor
from onestory.planning import actions
from onestory.planning.domain.sections import SECTION_CODES
from onestory.planning.export import NHS_NUMBER_SYSTEM, PERSON_ID_SYSTEM, SECTION_EXTENSION
from onestory.planning.models import Plan, PlanKind

# Where statements without a section of ours land.
NOTE_SECTION = "needs"
ACTIVITY_SECTION = "support_me"


@dataclass(frozen=True)
class ImportResult:
    person_id: str
    statements: int
    goals: int


def _resources(data: dict) -> list[dict]:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.careplan import CarePlan

    try:
        if data.get("resourceType") == "Bundle":
            Bundle.model_validate(data)
            return [e["resource"] for e in data.get("entry", []) if "resource" in e]
        if data.get("resourceType") == "CarePlan":
            CarePlan.model_validate(data)
            return [data]
    except ValueError as exc:
        raise ValidationError(f"Not a valid FHIR R4B resource: {exc}") from None
    raise ValidationError("Expected a FHIR Bundle or CarePlan.")


def _find_person(subject: dict):
    from onestory.people.models import Person

    identifier = (subject or {}).get("identifier") or {}
    value = str(identifier.get("value", "")).replace(" ", "")
    if identifier.get("system") == PERSON_ID_SYSTEM:
        person = Person.objects.filter(external_id=value).first()
    elif identifier.get("system") == NHS_NUMBER_SYSTEM:
        person = (
            Person.objects.filter(links__run__is_current=True, links__record__nhs_number=value)
            .distinct()
            .first()
        )
    else:
        person = None
    if person is None:
        raise ValidationError("The CarePlan's subject does not match anyone in OneStory.")
    return person


def _section(item: dict, default: str) -> str:
    for ext in item.get("extension", []):
        if ext.get("url") == SECTION_EXTENSION and ext.get("valueCode") in SECTION_CODES:
            return ext["valueCode"]
    return default


def import_care_plan(data: dict, *, sender: str, by: Actor | None = None) -> ImportResult:
    """Add every statement and goal of a FHIR CarePlan (with its Goals, in a Bundle) to the
    subject's plan as drafts from `sender`. One transaction, audited like any change."""
    resources = _resources(data)
    careplans = [r for r in resources if r.get("resourceType") == "CarePlan"]
    if not careplans:
        raise ValidationError("The file holds no CarePlan.")
    goals = {f"urn:uuid:{r.get('id')}": r for r in resources if r.get("resourceType") == "Goal"}
    goals.update({f"Goal/{r.get('id')}": r for r in resources if r.get("resourceType") == "Goal"})
    # Imports act as the sending system: an author kind that can never confirm.
    by = by or Actor.system(label=sender, channel="import")
    n_statements = n_goals = 0
    with transaction.atomic():
        careplan = careplans[0]
        person = _find_person(careplan.get("subject"))
        plan = Plan.objects.filter(person=person, kind=PlanKind.PERSON).first()
        if plan is None:
            plan = actions.create_plan(person, by=by)
        for note in careplan.get("note", []):
            if note.get("text", "").strip():
                actions.propose_statement(plan, _section(note, NOTE_SECTION), note["text"], by=by)
                n_statements += 1
        for activity in careplan.get("activity", []):
            text = (activity.get("detail") or {}).get("description", "")
            if text.strip():
                actions.propose_statement(plan, ACTIVITY_SECTION, text, by=by)
                n_statements += 1
        for ref in careplan.get("goal", []):
            goal = goals.get(ref.get("reference", ""))
            text = ((goal or {}).get("description") or {}).get("text", "")
            if not text.strip():
                continue
            due = next((t.get("dueDate") for t in goal.get("target", []) if t.get("dueDate")), None)
            actions.add_goal(plan, text, by_when=date.fromisoformat(due) if due else None, by=by)
            n_goals += 1
        # Name the sender on each imported draft, for the reader.
        plan.statements.filter(source="", written_by_kind="imported").update(source=sender)
    return ImportResult(str(person.external_id), n_statements, n_goals)


def import_file(path: Path, *, sender: str = "") -> ImportResult:
    """`onestory plan import FILE`: read a JSON file and import it."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return import_care_plan(data, sender=sender or f"imported file {Path(path).name}")
