"""MDT case management against a real database: case finding, worklist, caseload,
meetings, actions, escalation and follow-up."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from onestory.access.models import CareTeamMembership, SecondaryUseOptOut
from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.casework import actions, agenda, queries, report
from onestory.casework.models import CaseFindingRun, MdtAction, PersonRisk
from onestory.evaluation import followup
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 10, 31)
SYSTEM = Actor.system("tests")


@pytest.fixture
def scored():
    people = f.casefinding_population(60)
    SecondaryUseOptOut.objects.create(
        person=people[-1], opted_out_at=timezone.now(), set_by="tests"
    )
    run = actions.run_casefinding(by=SYSTEM, as_of=AS_OF)
    return people, run


@pytest.fixture
def lead():
    return f.user(
        "mdt.lead",
        role="gp",
        org=f.organisation("Y02101", "Ashbridge Health Centre", "gp_practice"),
    )


@pytest.fixture
def social_worker():
    return f.user(
        "sw.one",
        role="social_worker",
        org=f.organisation("E08000999", "Ashbridge Council", "adult_social_care"),
    )


def test_casefinding_scores_everyone_except_people_who_opted_out(scored):
    people, run = scored
    scored_ids = set(PersonRisk.objects.filter(run=run).values_list("person_id", flat=True))
    assert scored_ids == {p.pk for p in people[:-1]}
    assert run.stats["people"] == 59 and run.stats["opted_out_excluded"] == 1
    assert AuditEvent.objects.filter(action="casework.casefinding_run").count() == 1


def test_casefinding_gives_reasons_deficits_and_admissions(scored):
    people, run = scored
    oldest = PersonRisk.objects.get(run=run, person=people[-2])
    youngest = PersonRisk.objects.get(run=run, person=people[0])
    assert "heart_failure" in oldest.deficits and "hypertension" in oldest.deficits
    assert oldest.efi_deficits == len(oldest.deficits)
    assert oldest.efi_score == pytest.approx(oldest.efi_deficits / 36)
    assert youngest.deficits == [] and youngest.efi_category == "fit"
    assert oldest.risk > youngest.risk
    with_admission = PersonRisk.objects.filter(run=run, emergency_admissions_12m__gt=0).first()
    assert with_admission.admissions[0]["diagnosis"] == "Pneumonia"
    assert with_admission.lace is not None and with_admission.lace >= 3  # emergency: A = 3


def test_casefinding_rerun_adds_a_run_and_keeps_two_runs_rows(scored):
    for _ in range(2):
        actions.run_casefinding(by=SYSTEM, as_of=AS_OF)
    assert CaseFindingRun.objects.count() == 3
    assert PersonRisk.objects.values("run").distinct().count() == 2


def test_casefinding_report_has_auc_and_calibration_plot(scored, tmp_path):
    _, run = scored
    lines = report.summary_lines(run)
    assert any("59 people scored" in line for line in lines)
    path = report.write(run, tmp_path / "r.html")
    text = path.read_text()
    assert "Calibration" in text and "Odds ratio" in text
    # plotly.js is inlined: no script is fetched from anywhere.
    assert 'src="http' not in text and "Plotly.newPlot" in text


def test_worklist_needs_lead_mdt(scored, social_worker):
    with pytest.raises(PermissionDenied):
        queries.worklist(by=actor_for_user(social_worker))


def test_worklist_page_lists_people_by_risk_with_reasons(scored, client, lead):
    people, run = scored
    client.force_login(lead)
    response = client.get(reverse("mdt-worklist"), {"practice": "Y02101"})
    assert response.status_code == 200
    rows = response.context["worklist"].rows
    risks = [r.score.risk for r in rows]
    assert risks == sorted(risks, reverse=True) and len(rows) == 50  # the first page
    assert response.context["worklist"].total == 59 and response.context["worklist"].pages == 2
    assert "Case59" not in response.content.decode()  # opted out
    assert b"Emergency admissions:" in response.content
    event = AuditEvent.objects.filter(action="casework.worklist_viewed").get()
    assert event.detail["total"] == 59 and event.person_id == ""


def test_worklist_filters_by_category_and_risk(scored, lead):
    by = actor_for_user(lead)
    severe = queries.worklist(by=by, category="fit")
    assert all(r.score.efi_category == "fit" for r in severe.rows)
    high = queries.worklist(by=by, min_risk=0.5)
    assert all(r.score.risk >= 0.5 for r in high.rows)


def test_take_onto_caseload_is_audited_joins_care_team_and_shows_on_record(
    scored, client, lead, social_worker
):
    people, _ = scored
    person = people[-2]
    client.force_login(lead)
    response = client.post(
        reverse("mdt-take-on", args=[person.external_id]),
        {"coordinator": social_worker.staff.pk, "reason": "Two admissions this year"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="casework.caseload_added")
    assert event.person_id == str(person.external_id)
    assert event.detail["coordinator"] == "sw.one"
    assert CareTeamMembership.objects.filter(person=person, staff=lead.staff).exists()
    page = client.get(reverse("person", args=[person.external_id])).content.decode()
    assert "My one first point of contact" in page and "sw.one" in page
    # No longer on the worklist: on the caseload instead.
    ids = {r.score.person_id for r in queries.worklist(by=actor_for_user(lead)).rows}
    assert person.pk not in ids


def test_take_onto_caseload_twice_is_refused(scored, lead, social_worker):
    people, _ = scored
    by = actor_for_user(lead)
    actions.take_onto_caseload(person=people[5], coordinator=social_worker.staff, reason="x", by=by)
    with pytest.raises(ValueError, match="already"):
        actions.take_onto_caseload(
            person=people[5], coordinator=social_worker.staff, reason="y", by=by
        )


def test_meeting_agenda_from_caseload_then_worklist(scored, client, lead, social_worker):
    people, _ = scored
    by = actor_for_user(lead)
    actions.take_onto_caseload(
        person=people[10], coordinator=social_worker.staff, reason="Falls", by=by
    )
    meeting = actions.create_meeting(title="Ashbridge MDT", meets_on=AS_OF, by=by)
    items = list(meeting.items.all())
    assert items[0].person == people[10] and items[0].source == "caseload"
    assert [i.source for i in items[1:]] == ["worklist"] * 5
    client.force_login(lead)
    page = client.get(reverse("mdt-meeting", args=[meeting.pk]))
    assert page.status_code == 200
    first = page.context["entries"][0]
    assert first.record is not None  # the lead joined the care team on taking on
    # The lead's practice holds every GP record here: a legitimate relationship already.
    assert page.context["entries"][1].record is not None
    # A council lead has none with people only on the worklist: withheld, no name, no risk.
    council_lead = f.user("cc.lead", role="care_coordinator", org=social_worker.staff.organisation)
    client.force_login(council_lead)
    page = client.get(reverse("mdt-meeting", args=[meeting.pk]))
    second = page.context["entries"][1]
    assert second.withheld and second.record is None and second.score is None
    assert "Withheld" in page.content.decode()


def _date_boxes(name, value):
    return {f"{name}-day": value.day, f"{name}-month": value.month, f"{name}-year": value.year}


def test_new_meeting_date_is_entered_as_day_month_year(scored, client, lead):
    from onestory.casework.models import MdtMeeting

    client.force_login(lead)
    url = reverse("mdt-meetings")
    response = client.post(
        url, {"title": "MDT", "meets_on-day": "31", "meets_on-month": "2", "meets_on-year": "2027"}
    )
    assert response.status_code == 400
    assert "The meeting date must be a real date" in response.content.decode()
    assert not MdtMeeting.objects.exists()
    response = client.post(url, {"title": "MDT", **_date_boxes("meets_on", AS_OF)})
    assert response.status_code == 302
    assert MdtMeeting.objects.get().meets_on == AS_OF


def test_action_reaches_the_assignee_and_completion_is_audited(scored, client, lead, social_worker):
    people, _ = scored
    by = actor_for_user(lead)
    meeting = actions.create_meeting(title="MDT", meets_on=AS_OF, by=by)
    item = meeting.items.first()
    client.force_login(lead)
    client.post(
        reverse("mdt-assign-action", args=[meeting.pk]),
        {
            "item": item.pk,
            "description": "Care Act assessment",
            "assignee": social_worker.staff.pk,
            **_date_boxes("due", timezone.localdate() + timedelta(days=7)),
        },
    )
    action = MdtAction.objects.get()
    assert action.assignee == social_worker.staff and action.meeting == meeting
    f.care_team(item.person, social_worker, reason="Care Act assessment")
    client.force_login(social_worker)
    mine = client.get(reverse("mdt-my-actions"))
    assert b"Care Act assessment" in mine.content
    client.post(reverse("mdt-complete-action", args=[action.pk]), {"note": "Assessed"})
    action.refresh_from_db()
    assert action.completed_at is not None and action.completed_by == "sw.one"
    done = AuditEvent.objects.get(action="casework.action_completed")
    assert done.actor_label == "sw.one" and done.person_id == str(item.person.external_id)


def test_only_the_assignee_or_a_lead_completes_an_action(scored, client, lead, social_worker):
    people, _ = scored
    action = actions.assign_action(
        person=people[3],
        description="Visit",
        assignee=social_worker.staff,
        due=timezone.localdate(),
        by=actor_for_user(lead),
    )
    nurse = f.user(
        "nurse.x", role="nurse", org=f.organisation("R9C", "Community", "community_provider")
    )
    client.force_login(nurse)
    assert client.post(reverse("mdt-complete-action", args=[action.pk])).status_code == 404
    action.refresh_from_db()
    assert action.completed_at is None


def test_overdue_action_escalates_to_the_coordinator(scored, lead, social_worker):
    people, _ = scored
    by = actor_for_user(lead)
    coordinator = f.user("coord.one", role="care_coordinator", org=social_worker.staff.organisation)
    actions.take_onto_caseload(
        person=people[20], coordinator=coordinator.staff, reason="Frailty", by=by
    )
    late = actions.assign_action(
        person=people[20],
        description="Medication review",
        assignee=lead.staff,
        due=timezone.localdate() - timedelta(days=3),
        by=by,
    )
    assert actions.escalate_overdue(by=SYSTEM) == 1
    assert actions.escalate_overdue(by=SYSTEM) == 0  # once only
    late.refresh_from_db()
    assert late.escalated_at is not None
    lists = agenda.my_actions(by=actor_for_user(coordinator))
    assert [r.action for r in lists.escalated] == [late]
    event = AuditEvent.objects.get(action="casework.action_escalated")
    assert event.detail["coordinator"] == "coord.one" and event.detail["days_overdue"] == 3


def test_followup_compares_caseload_with_matched_people(scored, lead, social_worker, tmp_path):
    people, _ = scored
    by = actor_for_user(lead)
    for p in people[40:45]:
        actions.take_onto_caseload(person=p, coordinator=social_worker.staff, reason="Risk", by=by)
    result = followup.compute()
    assert result.cases == 5 and result.matched == 5
    taken = result.table.filter(
        (result.table["group"] == "taken on") & (result.table["months"] == 12)
    )
    assert set(taken["outcome"]) == {o for o, _ in followup.OUTCOMES}
    html = followup.write_report(result, tmp_path / "f.html").read_text()
    assert "Emergency admissions" in html and 'src="http' not in html
