"""Every form of the initiative register, submitted as a user would: add and edit an
initiative, run an evaluation, enter a returned survey. Valid input saves and is audited;
bad input is a 400 page naming each field, with nothing saved."""

import pytest
from django.urls import reverse

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.initiatives.models import EvaluationRun, Initiative, SurveyResponse
from tests import factories as f
from tests.initiatives_world import build_world, mdt_scheme

pytestmark = pytest.mark.django_db


def analyst():
    return f.user("ann.analyst", role="analyst", org=f.organisation("QWO", "Ashbridge ICB"))


FORM = {
    "name": "Discharge to assess, south",
    "kind": "discharge_to_assess",
    "aims": "Home from hospital sooner",
    "starts_on-day": "1",
    "starts_on-month": "4",
    "starts_on-year": "2025",
    "runs-L2": "1",
    "start-L2": "2025Q2",
    "people_reached": "85",
    "cost": "120,000",
    "indicators": ["emergency_admissions"],
    "status": "running",
    "learned": "",
    "decision": "",
}


def test_initiative_new_form_creates_the_initiative_and_audits(client):
    build_world(with_admissions=False)
    client.force_login(analyst())
    response = client.post(reverse("initiative-new"), FORM)
    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("initiative", args=[initiative.external_id])
    assert initiative.cost_pence == 12_000_000 and initiative.people_reached == 85
    assert initiative.starts_on.isoformat() == "2025-04-01"
    assert [(p.locality.code, p.start_quarter) for p in initiative.places.all()] == [
        ("L2", "2025Q2")
    ]
    assert AuditEvent.objects.filter(action="initiative.created").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Discharge to assess, south" in page and "£120,000.00" in page and ">85<" in page


def test_initiative_new_form_with_bad_input_names_each_field(client):
    build_world(with_admissions=False)
    client.force_login(analyst())
    bad = {
        **FORM,
        "name": "",
        "people_reached": "lots",
        "start-L2": "spring",
        "starts_on-month": "13",
    }
    response = client.post(reverse("initiative-new"), bad)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter people reached as a whole number" in html
    assert "The start date must be a real date" in html
    assert not Initiative.objects.exists()
    bad = {**FORM, "name": "", "start-L2": "spring"}
    html = client.post(reverse("initiative-new"), bad).content.decode()
    assert "Enter the initiative&#x27;s name." in html and "start quarter" in html
    assert 'value="spring"' in html  # what was typed is shown again


def test_initiative_edit_form_saves_the_changes_and_audits(client):
    build_world(with_admissions=False)
    user = analyst()
    initiative = mdt_scheme(Actor(id="x", label="x", role="analyst"))
    client.force_login(user)
    form = client.get(reverse("initiative-edit", args=[initiative.external_id])).content.decode()
    assert 'value="MDT case management in L1"' in form and 'value="2025Q1"' in form
    response = client.post(
        reverse("initiative-edit", args=[initiative.external_id]),
        {
            **FORM,
            "name": initiative.name,
            "kind": "mdt_case_management",
            "runs-L1": "1",
            "start-L1": "2025Q1",
            "runs-L2": "",
            "status": "ended",
            "learned": "Admissions fell where GPs came to the meetings.",
            "decision": "scale_up",
        },
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.status, initiative.decision) == ("ended", "scale_up")
    assert AuditEvent.objects.filter(action="initiative.updated").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Admissions fell where GPs came to the meetings." in page and "Scale up" in page


def test_initiative_evaluate_form_runs_the_evaluation_and_shows_the_report(client):
    build_world()
    initiative = mdt_scheme(Actor(id="x", label="x", role="analyst"))
    mdt_scheme(
        Actor(id="x", label="x", role="analyst"), name="Other MDT", places=[("L6", "2024Q2")]
    )
    client.force_login(analyst())
    url = reverse("initiative-evaluate", args=[initiative.external_id])
    page = client.get(url).content.decode()
    assert "similar deprivation, age mix and size" in page
    assert 'data-testid="similar-L6"' in page  # runs an initiative of the same type
    assert 'value="2025Q1"' in page  # the start quarter from the register
    # each locality's size and age mix beside it (ten people each, born 1950: all 65+)
    assert 'data-testid="profile-L2">10 people, 100% aged 65 or over<' in page
    response = client.post(
        url,
        {
            "indicator": "emergency_admissions",
            "treated": ["L1"],
            "comparators": ["L2", "L3", "L4", "L5"],
            "start_quarter": "2025Q1",
            "methods": ["did", "scm"],
        },
    )
    run = EvaluationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation-run", args=[run.external_id])
    assert run.methods == ["did", "scm"] and run.comparators == ["L2", "L3", "L4", "L5"]
    assert AuditEvent.objects.filter(action="initiative.evaluation_run").count() == 1
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="method-did"' in html and 'data-testid="method-sdid"' not in html


def test_initiative_evaluate_form_with_bad_input_names_each_field(client):
    build_world(with_admissions=False)
    initiative = mdt_scheme(Actor(id="x", label="x", role="analyst"))
    client.force_login(analyst())
    response = client.post(
        reverse("initiative-evaluate", args=[initiative.external_id]),
        {
            "indicator": "emergency_admissions",
            "treated": ["L1"],
            "comparators": ["L1"],
            "start_quarter": "soon",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "cannot be both treated and a comparator" in html
    assert "write it like 2025Q3" in html and "Choose at least one method" in html
    assert not EvaluationRun.objects.exists()


def test_survey_entry_form_saves_the_survey_and_audits(client):
    person = f.rich_person()
    gp = f.user("gp.one", role="gp", org=f.organisation("Y02101", "Practice", "gp_practice"))
    f.care_team(person, gp)
    client.force_login(gp)
    url = reverse("survey-entry", args=[person.external_id])
    response = client.post(
        url,
        {
            "respondent": "carer",
            "answered_on-day": "3",
            "answered_on-month": "3",
            "answered_on-year": "2025",
            "dignity": "4",
            "safety": "3",
            "control": "",
        },
    )
    assert response.status_code == 200 and 'data-testid="survey-done"' in response.content.decode()
    saved = SurveyResponse.objects.get()
    assert saved.answers == {"dignity": 4, "safety": 3} and saved.respondent == "carer"
    event = AuditEvent.objects.get(action="survey.recorded")
    assert event.person_id == str(person.external_id) and event.detail["answers"] == 2
    bad = client.post(url, {"respondent": "neighbour", "dignity": "7"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "Enter the date it was answered" in html
    bad = client.post(
        url,
        {
            "respondent": "neighbour",
            "dignity": "7",
            "answered_on-day": "3",
            "answered_on-month": "3",
            "answered_on-year": "2025",
        },
    )
    html = bad.content.decode()
    assert "Choose who answered the survey." in html and "choose one of the four answers" in html
    assert SurveyResponse.objects.count() == 1


def test_portal_survey_form_saves_the_persons_own_answers_and_audits(client):
    person = f.rich_person()
    client.force_login(f.person_user(person, "margaret.self"))
    url = reverse("portal-survey")
    page = client.get(url).content.decode()
    assert "Did your budget help?" in page
    response = client.post(
        url,
        {
            "respondent": "person",
            "answered_on-day": "2",
            "answered_on-month": "5",
            "answered_on-year": "2025",
            "control": "4",
            "relationships": "2",
        },
    )
    assert response.status_code == 200 and 'data-testid="survey-done"' in response.content.decode()
    saved = SurveyResponse.objects.get()
    assert (saved.person, saved.channel) == (person, "portal")
    assert saved.answers == {"control": 4, "relationships": 2}
    assert AuditEvent.objects.get(action="survey.recorded").detail["channel"] == "portal"


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "abc"])
def test_bad_numbers_in_the_initiative_and_survey_forms_are_errors_not_500s(client, value):
    build_world(with_admissions=False)
    client.force_login(analyst())
    for field in ("people_reached", "cost", "starts_on-day", "starts_on-year"):
        response = client.post(reverse("initiative-new"), {**FORM, field: value})
        assert response.status_code == 400, (field, value, response.status_code)
    assert not Initiative.objects.exists()
    person = f.rich_person()
    gp = f.user("gp.two", role="gp", org=f.organisation("Y02101", "Practice", "gp_practice"))
    f.care_team(person, gp)
    client.force_login(gp)
    url = reverse("survey-entry", args=[person.external_id])
    date_ok = {"answered_on-day": "3", "answered_on-month": "3", "answered_on-year": "2025"}
    for data in ({**date_ok, "dignity": value}, {"answered_on-day": value, "dignity": "3"}):
        response = client.post(url, {"respondent": "person", **data})
        assert response.status_code == 400, (data, response.status_code)
    assert not SurveyResponse.objects.exists()
