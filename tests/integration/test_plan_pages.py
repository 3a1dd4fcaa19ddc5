"""Care-plan pages, the portal's "My plan", the exports (FHIR R4B, PDF) and the import."""

import io
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from onestory.access.policy import actor_for_user
from onestory.cli import main as cli_main
from onestory.planning import actions
from onestory.planning.models import PlanStatement
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def margaret():
    return f.rich_person()


@pytest.fixture
def sw_user(margaret):
    u = f.user(
        "sam", role="social_worker", org=f.organisation("E08000035", kind="adult_social_care")
    )
    u.first_name, u.last_name = "Sam", "Patel"
    u.save()
    f.care_team(margaret, u)
    return u


@pytest.fixture
def plan(margaret, sw_user):
    sw = actor_for_user(sw_user)
    plan = actions.create_plan(margaret, by=sw)
    actions.propose_statement(plan, "about_me", "I was a seamstress for forty years.", by=sw)
    mine = f.person_user(margaret, "margaret")
    actions.propose_statement(
        plan, "matters", "My cat Bramble matters most.", by=actor_for_user(mine)
    )
    actions.add_goal(plan, "I want to sew again.", who_helps="Occupational therapist", by=sw)
    return plan


def test_plan_page_marks_each_statement(client, plan, sw_user):
    client.force_login(sw_user)
    html = client.get(f"/people/{plan.person.external_id}/plan/").content.decode()
    assert "Draft by Sam Patel (Social worker) — not yet confirmed" in html
    assert "In Margaret Oldroyd&#x27;s own words" in html
    assert "How I communicate and how to communicate with me" in html


def test_plan_page_post_proposes_a_draft(client, plan, sw_user):
    client.force_login(sw_user)
    url = f"/people/{plan.person.external_id}/plan/statements/"
    response = client.post(url, {"section": "support_me", "text": "I like help in the morning."})
    assert response.status_code == 302
    s = PlanStatement.objects.get(section="support_me")
    assert s.status == "draft" and s.written_by_kind == "professional"


def test_plan_page_without_relationship_is_403(client, plan):
    client.force_login(f.user("other", role="gp", org=f.organisation("Z1")))
    assert client.get(f"/people/{plan.person.external_id}/plan/").status_code == 403


def test_record_page_shows_plan_card(client, plan, sw_user):
    client.force_login(sw_user)
    html = client.get(f"/people/{plan.person.external_id}/").content.decode()
    assert 'id="care-plan"' in html and "1 in their own words" in html


def test_portal_confirm_and_rewrite(client, plan, margaret):
    client.force_login(f.person_user(margaret, "maggie"))
    html = client.get("/me/plan/").content.decode()
    assert "Yes, these are my words" in html and "In your own words" in html
    draft = PlanStatement.objects.get(section="about_me")
    client.post(f"/me/plan/statements/{draft.external_id}/confirm/")
    draft.refresh_from_db()
    assert draft.status == "confirmed" and draft.confirmed_by_kind == "person"
    goal = PlanStatement.objects.get(section="goals")
    client.post(f"/me/plan/statements/{goal.external_id}/rewrite/", {"text": "I want to sew."})
    goal.refresh_from_db()
    assert goal.text == "I want to sew." and goal.written_by_kind == "person"


def test_staff_cannot_confirm_through_the_portal(client, plan, sw_user):
    client.force_login(sw_user)
    draft = PlanStatement.objects.get(section="about_me")
    response = client.post(f"/me/plan/statements/{draft.external_id}/confirm/")
    assert response.status_code == 302 and "/me/login/" in response["Location"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_fhir_export_validates_and_carries_provenance(client, plan, sw_user):
    client.force_login(sw_user)
    data = client.get(f"/people/{plan.person.external_id}/plan/fhir/").json()
    bundle = Bundle.model_validate(data)
    kinds = [e.resource.__resource_type__ for e in bundle.entry]
    assert kinds.count("CarePlan") == 1 and kinds.count("Goal") == 1
    assert kinds.count("CareTeam") == 1 and kinds.count("Provenance") == 3
    careplan = data["entry"][0]["resource"]
    voices = {n["text"]: n["extension"][0]["valueCode"] for n in careplan["note"]}
    assert voices == {
        "I was a seamstress for forty years.": "draft",
        "My cat Bramble matters most.": "own_words",
    }
    provenances = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Provenance"
    ]
    attested = [
        p
        for p in provenances
        if any(a["type"]["coding"][0]["code"] == "attester" for a in p["agent"])
    ]
    assert len(attested) == 1


def test_pdf_has_the_statements_and_marks(client, plan, sw_user):
    client.force_login(sw_user)
    response = client.get(f"/people/{plan.person.external_id}/plan/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Care and support plan: Margaret Oldroyd" in text
    assert '"My cat Bramble matters most." [In Margaret Oldroyd\'s own words]' in text
    assert "[Draft by Sam Patel (Social worker) - not yet confirmed]" in text
    assert "I want to sew again." in text


def test_printable_page_renders(client, plan, sw_user):
    client.force_login(sw_user)
    html = client.get(f"/people/{plan.person.external_id}/plan/print/").content.decode()
    assert "My cat Bramble matters most." in html and "<form" not in html


def test_compare_page_shows_changes(client, plan, sw_user):
    client.force_login(sw_user)
    html = client.get(f"/people/{plan.person.external_id}/plan/compare/?a=1&b=4").content.decode()
    assert 'data-change="added"' in html and "I want to sew again." in html


def test_import_care_plan_makes_drafts_even_when_sender_claims_the_patient_wrote_it(
    plan, tmp_path, capsys
):
    nhs = plan.person.links.first().record.nhs_number
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:7c6d3a3e-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "CarePlan",
                    "status": "active",
                    "intent": "plan",
                    "subject": {
                        "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}
                    },
                    "note": [
                        {
                            "authorReference": {"reference": "Patient/1"},
                            "text": "I want to stay at home.",
                        }
                    ],
                    "activity": [
                        {"detail": {"status": "in-progress", "description": "Carers twice a day."}}
                    ],
                    "goal": [{"reference": "urn:uuid:7c6d3a3e-0000-4000-8000-000000000002"}],
                },
            },
            {
                "fullUrl": "urn:uuid:7c6d3a3e-0000-4000-8000-000000000002",
                "resource": {
                    "resourceType": "Goal",
                    "id": "7c6d3a3e-0000-4000-8000-000000000002",
                    "lifecycleStatus": "active",
                    "description": {"text": "I want to garden again."},
                    "subject": {"reference": "Patient/1"},
                    "target": [{"dueDate": "2027-06-01"}],
                },
            },
        ],
    }
    path = tmp_path / "careplan.json"
    path.write_text(json.dumps(bundle))
    with pytest.raises(SystemExit) as exit_:
        cli_main(["plan", "import", str(path), "--sender", "Leeds Community Health"])
    assert exit_.value.code == 0
    assert "Imported 2 statements and 1 goals as drafts" in capsys.readouterr().out
    imported = PlanStatement.objects.filter(written_by_kind="imported")
    assert imported.count() == 3
    assert set(imported.values_list("status", flat=True)) == {"draft"}
    assert set(imported.values_list("source", flat=True)) == {"Leeds Community Health"}


def test_import_unknown_subject_is_refused(tmp_path, capsys):
    path = tmp_path / "cp.json"
    path.write_text(
        json.dumps(
            {
                "resourceType": "CarePlan",
                "status": "active",
                "intent": "plan",
                "subject": {
                    "identifier": {
                        "system": "https://fhir.nhs.uk/Id/nhs-number",
                        "value": "9990000018",
                    }
                },
            }
        )
    )
    with pytest.raises(SystemExit) as exit_:
        cli_main(["plan", "import", str(path)])
    assert exit_.value.code == 1
    assert "does not match anyone" in capsys.readouterr().out


def test_overdue_and_report_pages(client, plan, sw_user):
    from datetime import date, timedelta

    sw = actor_for_user(sw_user)
    actions.set_coordinator(plan, sw_user.staff, by=sw)
    held = date.today() - timedelta(days=100)
    actions.record_review(plan, held_on=held, next_review_on=held + timedelta(days=30), by=sw)
    client.force_login(sw_user)
    html = client.get("/plans/overdue/").content.decode()
    assert "Margaret Oldroyd" in html and ">70<" in html
    client.force_login(f.user("comm", role="commissioner"))
    html = client.get("/plans/report/").content.decode()
    assert "In the person's own words" in html and 'data-testid="report"' in html


def test_goal_by_when_is_entered_as_day_month_year(client, plan, sw_user):
    from datetime import date

    from onestory.planning.models import Goal

    client.force_login(sw_user)
    url = f"/people/{plan.person.external_id}/plan/goals/"
    html = client.get(f"/people/{plan.person.external_id}/plan/").content.decode()
    assert 'name="by_when-day"' in html and "YYYY-MM-DD" not in html
    client.post(
        url,
        {
            "text": "I want to walk to the shops.",
            "by_when-day": "1",
            "by_when-month": "3",
            "by_when-year": "2027",
        },
    )
    goal = Goal.objects.get(statement__text="I want to walk to the shops.")
    assert goal.by_when == date(2027, 3, 1)


def test_review_without_next_review_year_names_the_field(client, plan, sw_user):
    from onestory.planning.models import Review

    client.force_login(sw_user)
    url = f"/people/{plan.person.external_id}/plan/reviews/"
    response = client.post(
        url, {"next_review_on-day": "1", "next_review_on-month": "3"}, follow=True
    )
    assert "The date of the next review must include a year" in response.content.decode()
    assert not Review.objects.exists()
    client.post(
        url,
        {"next_review_on-day": "1", "next_review_on-month": "3", "next_review_on-year": "2027"},
    )
    assert Review.objects.get().next_review_on.isoformat() == "2027-03-01"
