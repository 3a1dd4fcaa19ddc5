"""Every care-plan form submitted through the Django client, as the page submits it: valid
input (what is stored and the audit event), invalid input (the error shown, nothing
stored) and an unauthorised member of staff (403, nothing stored)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.planning import actions
from onestory.planning.models import Goal, Plan, PlanStatement, Review
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def margaret():
    return f.rich_person()


@pytest.fixture
def sam(margaret):
    u = f.user(
        "sam", role="social_worker", org=f.organisation("E08000035", kind="adult_social_care")
    )
    f.care_team(margaret, u)
    return u


@pytest.fixture
def stranger():
    """A social worker elsewhere, with no relationship to Margaret."""
    return f.user("outsider", role="social_worker", org=f.organisation("Z99", kind="social_care"))


@pytest.fixture
def plan(margaret, sam):
    by = actor_for_user(sam)
    plan = actions.create_plan(margaret, by=by)
    actions.propose_statement(plan, "about_me", "I was a seamstress.", by=by)
    actions.add_goal(plan, "I want to sew again.", who_helps="OT", by=by)
    return plan


def _url(name, person, *args):
    return reverse(name, args=[person.external_id, *args])


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _audited(person, action: str) -> int:
    return AuditEvent.objects.filter(person_id=str(person.external_id), action=action).count()


# ------------------------------------------------------------------------- start a plan


def test_plan_start_form_creates_the_plan_and_audits(client, margaret, sam):
    client.force_login(sam)
    response = client.post(_url("plan-start", margaret), {"kind": "person"})
    assert response.status_code == 302 and response.url == _url("plan", margaret)
    assert Plan.objects.filter(person=margaret, kind="person").exists()
    assert _audited(margaret, "plan.created") == 1


def test_plan_start_form_carer_plan_without_cared_for_person_shows_error(client, margaret, sam):
    client.force_login(sam)
    response = client.post(_url("plan-start", margaret) + "?kind=carer", {"cares_for": ""})
    assert response.status_code == 302
    assert "linked to the plan of the person cared for" in _messages(response)
    assert not Plan.objects.filter(person=margaret).exists()


def test_plan_start_form_by_stranger_is_403(client, margaret, stranger):
    client.force_login(stranger)
    assert client.post(_url("plan-start", margaret), {"kind": "person"}).status_code == 403
    assert not Plan.objects.filter(person=margaret).exists()


# ---------------------------------------------------------------- propose a statement


def test_plan_propose_form_saves_a_draft_and_audits(client, plan, sam):
    client.force_login(sam)
    response = client.post(
        _url("plan-propose", plan.person), {"section": "matters", "text": "My cat."}
    )
    assert response.status_code == 302
    assert plan.statements.get(section="matters").status == "draft"
    assert _audited(plan.person, "plan.statement_proposed") == 2  # the fixture's and this one


def test_plan_propose_form_unknown_section_shows_error(client, plan, sam):
    client.force_login(sam)
    before = plan.statements.count()
    response = client.post(_url("plan-propose", plan.person), {"section": "nope", "text": "x"})
    assert "Unknown plan section" in _messages(response)
    assert plan.statements.count() == before


def test_plan_propose_form_by_stranger_is_403(client, plan, stranger):
    client.force_login(stranger)
    before = plan.statements.count()
    response = client.post(_url("plan-propose", plan.person), {"section": "matters", "text": "x"})
    assert response.status_code == 403
    assert plan.statements.count() == before


# ------------------------------------------------------------------- edit a statement


def test_plan_edit_form_saves_new_words_and_audits(client, plan, sam):
    client.force_login(sam)
    statement = plan.statements.get(section="about_me")
    url = _url("plan-edit", plan.person, statement.external_id)
    response = client.post(url, {"text": "I was a seamstress for forty years."})
    assert response.status_code == 302 and response.url == _url("plan", plan.person)
    statement.refresh_from_db()
    assert statement.text == "I was a seamstress for forty years."
    assert statement.status == "draft"
    assert _audited(plan.person, "plan.statement_edited") == 1


def test_plan_edit_form_with_empty_words_shows_error(client, plan, sam):
    client.force_login(sam)
    statement = plan.statements.get(section="about_me")
    response = client.post(_url("plan-edit", plan.person, statement.external_id), {"text": "   "})
    assert response.status_code == 302
    assert _messages(response)
    statement.refresh_from_db()
    assert statement.text == "I was a seamstress."
    assert _audited(plan.person, "plan.statement_edited") == 0


def test_plan_edit_form_for_another_plans_statement_is_404(client, plan, sam):
    client.force_login(sam)
    url = _url("plan-edit", plan.person, "00000000-0000-0000-0000-000000000000")
    assert client.post(url, {"text": "x"}).status_code == 404


def test_plan_edit_form_by_stranger_is_403(client, plan, stranger):
    client.force_login(stranger)
    statement = plan.statements.get(section="about_me")
    response = client.post(_url("plan-edit", plan.person, statement.external_id), {"text": "x"})
    assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.text == "I was a seamstress."


# ------------------------------------------------------------------------- add a goal


def test_plan_add_goal_form_saves_the_goal_and_audits(client, plan, sam):
    client.force_login(sam)
    response = client.post(
        _url("plan-add-goal", plan.person),
        {
            "text": "I want to walk to the shops.",
            "who_helps": "Physio",
            "by_when-day": "1",
            "by_when-month": "9",
            "by_when-year": "2026",
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get(statement__text="I want to walk to the shops.")
    assert goal.who_helps == "Physio" and str(goal.by_when) == "2026-09-01"
    assert _audited(plan.person, "plan.goal_added") == 2


def test_plan_add_goal_form_bad_date_shows_error(client, plan, sam):
    client.force_login(sam)
    response = client.post(
        _url("plan-add-goal", plan.person),
        {"text": "Walk.", "by_when-day": "next", "by_when-month": "spring", "by_when-year": "2026"},
    )
    assert "must be a real date" in _messages(response)
    assert plan.goals.count() == 1


def test_plan_add_goal_form_service_id_too_large_shows_error(client, plan, sam):
    client.force_login(sam)
    response = client.post(
        _url("plan-add-goal", plan.person), {"text": "Walk.", "services": "9" * 20}
    )
    assert response.status_code == 302
    assert "whole number" in _messages(response)
    assert plan.goals.count() == 1


def test_plan_add_goal_form_by_stranger_is_403(client, plan, stranger):
    client.force_login(stranger)
    assert client.post(_url("plan-add-goal", plan.person), {"text": "x"}).status_code == 403
    assert plan.goals.count() == 1


# ----------------------------------------------------------------------- record a review


def test_plan_review_form_records_progress_and_audits(client, plan, sam):
    client.force_login(sam)
    goal = plan.goals.get()
    response = client.post(
        _url("plan-review", plan.person),
        {
            "held_on-day": "10",
            "held_on-month": "1",
            "held_on-year": "2026",
            "next_review_on-day": "10",
            "next_review_on-month": "7",
            "next_review_on-year": "2026",
            f"progress:{goal.external_id}": "some",
            f"person_words:{goal.external_id}": "I made a cushion.",
        },
    )
    assert response.status_code == 302
    review = Review.objects.get(plan=plan)
    assert str(review.next_review_on) == "2026-07-10"
    assert review.progress.get().person_words == "I made a cushion."
    assert _audited(plan.person, "plan.review_recorded") == 1


def test_plan_review_form_without_next_date_shows_error(client, plan, sam):
    client.force_login(sam)
    response = client.post(
        _url("plan-review", plan.person),
        {"held_on-day": "10", "held_on-month": "1", "held_on-year": "2026"},
    )
    assert "Enter the date of the next review" in _messages(response)
    assert not Review.objects.filter(plan=plan).exists()


def test_plan_review_form_by_stranger_is_403(client, plan, stranger):
    client.force_login(stranger)
    response = client.post(
        _url("plan-review", plan.person),
        {
            "held_on-day": "10",
            "held_on-month": "1",
            "held_on-year": "2026",
            "next_review_on-day": "10",
            "next_review_on-month": "7",
            "next_review_on-year": "2026",
        },
    )
    assert response.status_code == 403
    assert not Review.objects.filter(plan=plan).exists()


# ----------------------------------------------------------------------- restore a version


def test_plan_restore_form_restores_words_as_drafts_and_audits(client, plan, sam):
    client.force_login(sam)
    statement = plan.statements.get(section="about_me")
    actions.edit_statement(statement, "Changed words.", by=actor_for_user(sam))
    response = client.post(_url("plan-restore", plan.person), {"version": "2"})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.text == "I was a seamstress." and statement.status == "draft"
    assert _audited(plan.person, "plan.version_restored") == 1


@pytest.mark.parametrize(
    ("version", "error"),
    [
        ("", "Choose a version"),
        ("abc", "whole number"),
        ("9" * 20, "whole number"),
        ("-1", "whole number"),
        ("999", "no version 999"),
    ],
)
def test_plan_restore_form_bad_version_shows_error(client, plan, sam, version, error):
    client.force_login(sam)
    response = client.post(_url("plan-restore", plan.person), {"version": version})
    assert response.status_code == 302
    assert error in _messages(response)
    assert _audited(plan.person, "plan.version_restored") == 0


def test_plan_restore_form_by_stranger_is_403(client, plan, stranger):
    client.force_login(stranger)
    assert client.post(_url("plan-restore", plan.person), {"version": "1"}).status_code == 403
    assert _audited(plan.person, "plan.version_restored") == 0


# ------------------------------------------------------------------ become the coordinator


def test_plan_coordinate_form_names_the_coordinator_and_audits(client, plan, sam):
    client.force_login(sam)
    response = client.post(_url("plan-coordinate", plan.person))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.coordinator == sam.staff
    assert _audited(plan.person, "plan.coordinator_set") == 1


def test_plan_coordinate_form_before_the_plan_exists_shows_error(client, margaret, sam):
    client.force_login(sam)
    response = client.post(_url("plan-coordinate", margaret))
    assert "Start the plan first." in _messages(response)
    assert not Plan.objects.filter(person=margaret).exists()


def test_plan_coordinate_form_by_stranger_is_403(client, plan, stranger):
    client.force_login(stranger)
    assert client.post(_url("plan-coordinate", plan.person)).status_code == 403
    plan.refresh_from_db()
    assert plan.coordinator is None


def test_plan_forms_need_sign_in(client, plan):
    response = client.post(_url("plan-propose", plan.person), {"section": "matters", "text": "x"})
    assert response.status_code == 302 and "/login/" in response.url
    assert not PlanStatement.objects.filter(section="matters").exists()


# --------------------------------------------------- the person's own plan ("My plan")


@pytest.fixture
def maggie(margaret):
    return f.person_user(margaret, "maggie")


def test_portal_plan_write_form_saves_the_persons_own_words_and_audits(client, plan, maggie):
    client.force_login(maggie)
    response = client.post(reverse("portal-plan-write"), {"section": "matters", "text": "Tea."})
    assert response.status_code == 302 and response.url == reverse("portal-plan")
    statement = plan.statements.get(section="matters")
    assert statement.text == "Tea." and statement.written_by_kind == "person"
    assert _audited(plan.person, "plan.statement_proposed") == 2


def test_portal_plan_write_form_unknown_section_shows_error(client, plan, maggie):
    client.force_login(maggie)
    response = client.post(reverse("portal-plan-write"), {"section": "nope", "text": "Tea."})
    assert "Unknown plan section" in _messages(response)
    assert not plan.statements.filter(text="Tea.").exists()


def test_portal_plan_write_form_by_staff_is_sent_to_the_portal_sign_in(client, plan, sam):
    client.force_login(sam)
    response = client.post(reverse("portal-plan-write"), {"section": "matters", "text": "Tea."})
    assert response.status_code == 302 and reverse("portal-login") in response.url
    assert not plan.statements.filter(text="Tea.").exists()


def test_portal_plan_confirm_form_confirms_the_draft_and_audits(client, plan, maggie):
    client.force_login(maggie)
    draft = plan.statements.get(section="about_me")
    response = client.post(reverse("portal-plan-confirm", args=[draft.external_id]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "confirmed" and draft.confirmed_by_kind == "person"
    assert _audited(plan.person, "plan.statement_confirmed") == 1


def test_portal_plan_confirm_form_for_someone_elses_statement_is_404(client, plan):
    other = f.person_user(f.person(), "someone.else")
    client.force_login(other)
    draft = plan.statements.get(section="about_me")
    assert client.post(reverse("portal-plan-confirm", args=[draft.external_id])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_portal_plan_rewrite_form_saves_the_persons_words_and_audits(client, plan, maggie):
    client.force_login(maggie)
    goal = plan.statements.get(section="goals")
    url = reverse("portal-plan-rewrite", args=[goal.external_id])
    assert client.post(url, {"text": "I want to sew."}).status_code == 302
    goal.refresh_from_db()
    assert goal.text == "I want to sew." and goal.written_by_kind == "person"
    assert _audited(plan.person, "plan.statement_edited") == 1


def test_portal_plan_rewrite_form_with_empty_words_shows_error(client, plan, maggie):
    client.force_login(maggie)
    goal = plan.statements.get(section="goals")
    response = client.post(reverse("portal-plan-rewrite", args=[goal.external_id]), {"text": ""})
    assert _messages(response)
    goal.refresh_from_db()
    assert goal.text == "I want to sew again."


def test_portal_plan_rewrite_form_by_staff_is_sent_to_the_portal_sign_in(client, plan, sam):
    client.force_login(sam)
    goal = plan.statements.get(section="goals")
    response = client.post(reverse("portal-plan-rewrite", args=[goal.external_id]), {"text": "x"})
    assert response.status_code == 302 and reverse("portal-login") in response.url
    goal.refresh_from_db()
    assert goal.text == "I want to sew again."
