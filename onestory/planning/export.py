"""The plan out of OneStory: a FHIR R4B Bundle (CarePlan, Goal, CareTeam and one
Provenance per statement) and a PDF the person can keep. Both take a `PlanPage` from
`queries.get_plan`, so access was checked and the read audited before anything is built.

Statements that are not goals travel as CarePlan notes (each Annotation carries the
statement's id); each Provenance points at its note through the core `targetElement`
extension, or at the Goal itself. Voice (own words, on behalf, draft) travels in an
extension on the note or Goal, so a receiving system cannot mistake a draft for the
person's words."""

from datetime import UTC, datetime

from fpdf import FPDF

from onestory.planning.domain import provenance
from onestory.planning.queries import PlanPage, StatementView

VOICE_EXTENSION = "https://onestory.example/fhir/StructureDefinition/statement-voice"
SECTION_EXTENSION = "https://onestory.example/fhir/StructureDefinition/plan-section"
TARGET_ELEMENT = "http://hl7.org/fhir/StructureDefinition/targetElement"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PERSON_ID_SYSTEM = "https://onestory.example/Id/person"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


def _urn(value) -> str:
    return f"urn:uuid:{value}"


def _nhs_number(page: PlanPage) -> str:
    from onestory.people.domain.nhs_number import is_valid
    from onestory.sources.models import SourceRecord

    numbers = SourceRecord.objects.filter(
        links__run__is_current=True, links__person=page.person
    ).values_list("nhs_number", flat=True)
    return next((n for n in numbers if n and is_valid(n)), "")


def _subject(page: PlanPage) -> dict:
    nhs = _nhs_number(page)
    identifier = (
        {"system": NHS_NUMBER_SYSTEM, "value": nhs}
        if nhs
        else {"system": PERSON_ID_SYSTEM, "value": str(page.person.external_id)}
    )
    return {"identifier": identifier, "display": page.name}


def _voice_extensions(s: StatementView) -> list[dict]:
    return [
        {"url": VOICE_EXTENSION, "valueCode": s.voice},
        {"url": SECTION_EXTENSION, "valueCode": s.section},
    ]


def _provenance(rows: dict, page: PlanPage, s: StatementView, target: dict, recorded: str) -> dict:
    row = rows[s.id]
    agents = [
        {
            "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "author"}]},
            "who": {"display": _who(row.written_by_kind, row.written_by_label, page.name)},
        }
    ]
    if s.voice != provenance.NOT_CONFIRMED:
        agents.append(
            {
                "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "attester"}]},
                "who": {"display": _who(row.confirmed_by_kind, row.confirmed_by_label, page.name)},
            }
        )
    return {
        "resourceType": "Provenance",
        "id": s.id,
        "target": [target],
        "recorded": recorded,
        "activity": {"text": s.mark},
        "agent": agents,
    }


def _who(kind: str, label: str, name: str) -> str:
    return name if kind == provenance.PERSON else label


def plan_bundle(page: PlanPage) -> dict:
    """The plan as a FHIR R4B collection Bundle (plain JSON-ready dict)."""
    plan = page.plan
    if plan is None:
        return {"resourceType": "Bundle", "type": "collection", "entry": []}
    recorded = plan.updated_at.astimezone(UTC).isoformat()
    subject = _subject(page)
    careplan_url = _urn(plan.external_id)
    careteam_id = f"{plan.external_id}".replace("-", "")[:8] + "-team"
    rows = {str(r.external_id): r for r in plan.statements.all()}
    entries = []
    notes = []
    provenances = []
    for sv in page.sections:
        for s in sv.statements:
            notes.append(
                {
                    "id": s.id,
                    "extension": _voice_extensions(s),
                    "authorString": s.mark,
                    "text": s.text,
                }
            )
            target = {
                "reference": careplan_url,
                "extension": [{"url": TARGET_ELEMENT, "valueUri": s.id}],
            }
            provenances.append(_provenance(rows, page, s, target, recorded))
    goal_refs = []
    for g in page.goals:
        goal_url = _urn(g.id)
        goal_refs.append({"reference": goal_url})
        goal = {
            "resourceType": "Goal",
            "id": g.id,
            "extension": _voice_extensions(g.statement),
            "lifecycleStatus": "completed" if g.achieved_on else "active",
            "description": {"text": g.statement.text},
            "subject": subject,
        }
        if g.statement.voice != provenance.NOT_CONFIRMED:
            goal["expressedBy"] = {"display": page.name}
        if g.by_when:
            goal["target"] = [{"dueDate": g.by_when.isoformat()}]
        goal_notes = []
        if g.who_helps:
            goal_notes.append({"text": f"Who helps: {g.who_helps}"})
        for service in g.services:
            goal_notes.append({"text": f"Service: {service}"})
        if g.budget_line:
            goal_notes.append({"text": f"Budget line: {g.budget_line}"})
        if g.latest_person_words:
            goal_notes.append(
                {"text": f"At the last review, in their words: {g.latest_person_words}"}
            )
        if goal_notes:
            goal["note"] = goal_notes
        entries.append({"fullUrl": goal_url, "resource": goal})
        provenances.append(_provenance(rows, page, g.statement, {"reference": goal_url}, recorded))
    participants = []
    if page.coordinator:
        participants.append(
            {"role": [{"text": "Care coordinator"}], "member": {"display": page.coordinator}}
        )
    participants.append({"role": [{"text": "The person"}], "member": {"display": page.name}})
    careteam = {
        "resourceType": "CareTeam",
        "id": careteam_id,
        "status": "active",
        "subject": subject,
        "participant": participants,
    }
    careplan = {
        "resourceType": "CarePlan",
        "id": str(plan.external_id),
        "status": "active",
        "intent": "plan",
        "title": "Carer's plan" if plan.kind == "carer" else "Personalised care and support plan",
        "subject": subject,
        "created": plan.created_at.astimezone(UTC).isoformat(),
        "careTeam": [{"reference": _urn(careteam_id)}],
        "goal": goal_refs,
    }
    if plan.next_review_on:
        careplan["period"] = {"end": plan.next_review_on.isoformat()}
    if notes:
        careplan["note"] = notes
    entries.insert(0, {"fullUrl": careplan_url, "resource": careplan})
    entries.append({"fullUrl": _urn(careteam_id), "resource": careteam})
    entries.extend({"fullUrl": _urn(p["id"]), "resource": p} for p in provenances)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(),
        "entry": entries,
    }


def _latin1(text: str) -> str:
    """The PDF core fonts are Latin-1: keep what fits, swap the common typographic marks."""
    for a, b in (("“", '"'), ("”", '"'), ("’", "'"), ("‘", "'"), ("—", "-"), ("–", "-")):
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def plan_pdf(page: PlanPage) -> bytes:
    """The plan as a PDF: every statement with its mark, goals, reviews."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: int = 11, style: str = "", gap: float = 1) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, size * 0.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    kind = "Carer's plan" if page.plan and page.plan.kind == "carer" else "Care and support plan"
    line(f"{kind}: {page.name}", 18, "B", 3)
    if page.plan is None:
        line("No plan has been started yet.")
        return bytes(pdf.output())
    share = page.share
    line(
        f"Version {page.plan.version}. {share.total} statements: {share.own_words} in "
        f"{page.name}'s own words, {share.on_behalf} by their representative, "
        f"{share.drafts} drafts not yet confirmed.",
        10,
    )
    line(f"Care coordinator: {page.coordinator or 'not named yet'}.", 10)
    if page.plan.next_review_on:
        line(f"Next review: {page.plan.next_review_on:%d %B %Y}.", 10, gap=3)
    for sv in page.sections:
        line(sv.section.title, 14, "B")
        if not sv.statements:
            line("Nothing written yet.", 10, "I", 2)
        for s in sv.statements:
            line(f'"{s.text}"')
            line(f"[{s.mark}]", 9, "I", 2)
    line("My goals", 14, "B")
    for g in page.goals:
        line(f'"{g.statement.text}"')
        line(f"[{g.statement.mark}]", 9, "I")
        details = [f"Who helps: {g.who_helps or 'not yet agreed'}"]
        if g.by_when:
            details.append(f"by {g.by_when:%d %B %Y}")
        if g.latest_progress:
            details.append(f"last review: {g.latest_progress}")
        line("; ".join(details), 10, gap=2)
    return bytes(pdf.output())
