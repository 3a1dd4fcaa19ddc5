"""MDT casework through the access decision: who is on whose worklist, what of their
reasons a reader sees, paging, sorting and the CSV export, the MDT start page, the named
coordinator's caseload, and the meeting page's fixes."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.casework import actions, agenda, queries
from onestory.casework.models import AgendaItem, CaseloadEntry, MdtAction, MdtMeeting, PersonRisk
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 10, 31)
SYSTEM = Actor.system("tests")


@pytest.fixture
def scored():
    people = f.casefinding_population(60)
    run = actions.run_casefinding(by=SYSTEM, as_of=AS_OF)
    return people, run


@pytest.fixture
def practice():
    return f.organisation("Y02101", "Ashbridge Health Centre", "gp_practice")


@pytest.fixture
def council():
    return f.organisation("E08000999", "Ashbridge Council", "adult_social_care")


@pytest.fixture
def lead(practice):
    return f.user("mdt.lead", role="gp", org=practice)


@pytest.fixture
def social_worker(council):
    return f.user("sw.one", role="social_worker", org=council)


# ------------------------------------------------------------------ who is on the worklist


def test_worklist_lists_only_the_practices_registered_list(scored, client, lead):
    people, _ = scored
    other_gp = f.user("gp.other", role="gp", org=f.organisation("Y09999", "Other Surgery"))
    client.force_login(other_gp)
    page = client.get(reverse("mdt-worklist"))
    assert page.status_code == 200 and page.context["worklist"].total == 0
    assert "FINDING" not in page.content.decode()
    client.force_login(lead)
    assert client.get(reverse("mdt-worklist")).context["worklist"].total == 60


def test_worklist_for_a_council_lead_lists_only_their_teams_people(scored, client, council):
    people, _ = scored
    coordinator = f.user("cc.lead", role="care_coordinator", org=council)
    for p in people[:3]:
        f.care_team(p, org=council, reason="Adult social care")
    client.force_login(coordinator)
    worklist = client.get(reverse("mdt-worklist")).context["worklist"]
    assert worklist.total == 3
    assert {r.score.person_id for r in worklist.rows} == {p.pk for p in people[:3]}


def test_worklist_hides_mental_health_deficits_when_refused_and_says_so(scored, client, lead):
    people, _ = scored
    oldest = people[-1]
    assert "memory_and_cognitive_problems" in PersonRisk.objects.get(person=oldest).deficits
    client.force_login(lead)

    def oldest_row(page):
        return next(r for r in page.context["worklist"].rows if r.score.person_id == oldest.pk)

    shown = client.get(reverse("mdt-worklist"), {"sort": "efi"})
    assert "Memory and cognitive problems" in oldest_row(shown).deficit_labels
    assert "Some information is not shown to you" not in shown.content.decode()
    f.sharing_choice(oldest, None, category="mental_health", decision="refuse")
    page = client.get(reverse("mdt-worklist"), {"sort": "efi"})
    row = oldest_row(page)
    assert "Memory and cognitive problems" not in row.deficit_labels
    assert row.reasons.deficits_withheld == 1
    body = page.content.decode()
    assert "Some information is not shown to you" in body
    export = client.get(reverse("mdt-worklist-csv"), {"sort": "efi"}).content.decode()
    (mine,) = [r for r in csv.DictReader(io.StringIO(export)) if r["name"] == "Case59 FINDING"]
    assert "Memory" not in mine["deficits"] and mine["withheld"].startswith("1 deficit")


def test_worklist_for_a_role_without_mental_health_withholds_those_deficits(
    scored, client, council
):
    people, _ = scored
    coordinator = f.user("cc.lead", role="care_coordinator", org=council)
    f.care_team(people[-1], org=council, reason="Adult social care")
    client.force_login(coordinator)
    (row,) = client.get(reverse("mdt-worklist")).context["worklist"].rows
    assert "Memory and cognitive problems" not in row.deficit_labels
    assert row.reasons.deficits_withheld == 1
    assert row.reasons.admissions  # clinical: the admissions still show, with diagnoses


# --------------------------------------------------------- paging, sorting and the export


def test_worklist_pages_sorts_and_links_names_to_the_record(scored, client, lead):
    people, _ = scored
    client.force_login(lead)
    second = client.get(reverse("mdt-worklist"), {"page": "2"})
    worklist = second.context["worklist"]
    assert (worklist.page, worklist.pages, len(worklist.rows)) == (2, 2, 10)
    assert client.get(reverse("mdt-worklist"), {"page": "x"}).context["worklist"].page == 1
    by_efi = client.get(reverse("mdt-worklist"), {"sort": "efi"}).context["worklist"].rows
    efis = [r.score.efi_score for r in by_efi]
    assert efis == sorted(efis, reverse=True)
    first = worklist.rows[0]
    assert reverse("person", args=[first.named.external_id]) in second.content.decode()
    event = AuditEvent.objects.filter(action="casework.worklist_viewed").first()
    assert event.detail["page"] == 2 and event.person_id == ""


def test_worklist_csv_has_every_page_the_same_filtering_and_is_audited(scored, client, lead):
    people, _ = scored
    f.sharing_choice(people[5], lead.staff.organisation, decision="refuse")
    client.force_login(lead)
    response = client.get(reverse("mdt-worklist-csv"), {"min_risk": "0"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 59  # everyone at the practice, both pages, less the refusal
    assert "Case5 FINDING" not in {r["name"] for r in rows}
    assert rows[0]["nhs_number"] and rows[0]["risk_percent"]
    event = AuditEvent.objects.get(action="casework.worklist_exported")
    assert event.detail["rows"] == 59 and event.person_id == ""


def test_worklist_csv_is_refused_to_a_role_that_does_not_lead_mdts(scored, client, social_worker):
    client.force_login(social_worker)
    assert client.get(reverse("mdt-worklist-csv")).status_code == 403
    assert not AuditEvent.objects.filter(action="casework.worklist_exported").exists()


# ------------------------------------------------------------------ the MDT start page


def test_mdt_start_page_offers_what_a_lead_may_use(client, lead):
    client.force_login(lead)
    page = client.get("/mdt/")
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("mdt-worklist", "mdt-caseload", "mdt-meetings", "mdt-my-actions"):
        assert f'href="{reverse(name)}"' in body


def test_mdt_start_page_for_a_social_worker_offers_no_lead_only_link(client, social_worker):
    client.force_login(social_worker)
    page = client.get("/mdt/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="{reverse("mdt-caseload")}"' in body
    assert f'href="{reverse("mdt-my-actions")}"' in body
    assert f'href="{reverse("mdt-worklist")}"' not in body
    assert f'href="{reverse("mdt-meetings")}"' not in body
    caseload = client.get(reverse("mdt-caseload")).content.decode()
    assert f'href="{reverse("mdt-worklist")}"' not in caseload


def test_mdt_start_page_is_refused_to_a_role_without_casework(client):
    analyst = f.user("analyst.one", role="analyst")
    client.force_login(analyst)
    assert client.get("/mdt/").status_code == 403


# ------------------------------------------------------------ the named coordinator


def test_named_coordinator_sees_their_caseload_but_no_lead_only_page(
    scored, client, lead, social_worker
):
    people, _ = scored
    by = actor_for_user(lead)
    known, unknown, others = people[10], people[11], people[12]
    for p in (known, unknown):
        actions.take_onto_caseload(person=p, coordinator=social_worker.staff, reason="x", by=by)
    other = f.user("cc.two", role="care_coordinator", org=social_worker.staff.organisation)
    actions.take_onto_caseload(person=others, coordinator=other.staff, reason="y", by=by)
    f.care_team(known, social_worker, reason="Care Act assessment")
    client.force_login(social_worker)
    page = client.get(reverse("mdt-caseload"))
    assert page.status_code == 200
    rows = page.context["caseload"].rows
    assert [r.entry.person_id for r in rows if r.seen.allowed] == [known.pk]
    assert [r.entry.person_id for r in rows if not r.seen.allowed] == [unknown.pk]
    body = page.content.decode()
    assert "Case10 FINDING" in body and "Case11" not in body and "Case12" not in body
    assert "Withheld" in body and reverse("person", args=[unknown.external_id]) in body
    entry = CaseloadEntry.objects.get(person=known)
    assert client.post(reverse("mdt-end-caseload", args=[entry.pk])).status_code == 403
    assert client.get(reverse("mdt-worklist")).status_code == 403
    assert client.get(reverse("mdt-meetings")).status_code == 403


def test_lead_caseload_leaves_out_people_they_have_no_relationship_with(
    scored, client, lead, council
):
    people, _ = scored
    by = actor_for_user(lead)
    actions.take_onto_caseload(person=people[3], coordinator=lead.staff, reason="Falls", by=by)
    council_lead = f.user("cc.lead", role="care_coordinator", org=council)
    client.force_login(council_lead)
    page = client.get(reverse("mdt-caseload"))
    assert page.context["caseload"].rows == () and page.context["caseload"].not_shown == 1
    assert "Case3" not in page.content.decode()


def test_lead_ends_a_caseload_entry_from_the_caseload_page(scored, client, lead, social_worker):
    people, _ = scored
    entry = actions.take_onto_caseload(
        person=people[4], coordinator=social_worker.staff, reason="Falls", by=actor_for_user(lead)
    )
    client.force_login(lead)
    page = client.get(reverse("mdt-caseload")).content.decode()
    assert reverse("mdt-end-caseload", args=[entry.pk]) in page
    response = client.post(reverse("mdt-end-caseload", args=[entry.pk]), {"reason": "Stable"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.ended_at is not None and entry.ended_by == "mdt.lead"


# ------------------------------------------------------------------- meetings


def test_meeting_agenda_holds_only_people_the_lead_may_see(scored, lead, council):
    people, _ = scored
    actions.take_onto_caseload(
        person=people[30], coordinator=lead.staff, reason="Falls", by=actor_for_user(lead)
    )
    council_lead = f.user("cc.lead", role="care_coordinator", org=council)
    for p in people[:2]:
        f.care_team(p, org=council, reason="Adult social care")
    meeting = actions.create_meeting(
        title="Council MDT", meets_on=AS_OF, by=actor_for_user(council_lead)
    )
    assert {i.person_id for i in meeting.items.all()} == {people[0].pk, people[1].pk}


def test_meeting_page_says_on_the_caseload_once(scored, client, lead, social_worker):
    people, _ = scored
    by = actor_for_user(lead)
    actions.take_onto_caseload(
        person=people[10], coordinator=social_worker.staff, reason="Falls", by=by
    )
    meeting = actions.create_meeting(title="MDT", meets_on=AS_OF, by=by)
    # An agenda made before the fix stored the label in the reason too.
    AgendaItem.objects.filter(meeting=meeting, source="caseload").update(
        reason="On the caseload: Falls"
    )
    client.force_login(lead)
    body = client.get(reverse("mdt-meeting", args=[meeting.pk])).content.decode()
    assert "On the caseload: Falls" in body
    assert "On the caseload: On the caseload:" not in body


def test_meeting_in_the_future_cannot_be_marked_held(client, lead):
    tomorrow = timezone.localdate() + timedelta(days=1)
    meeting = MdtMeeting.objects.create(title="Next week", meets_on=tomorrow, created_by="x")
    client.force_login(lead)
    response = client.post(reverse("mdt-meeting", args=[meeting.pk]), {"held": "1"})
    assert response.status_code == 400
    assert "cannot be marked held before that day" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.held_at is None
    assert not AuditEvent.objects.filter(action="casework.meeting_held").exists()
    with pytest.raises(ValueError, match="before that day"):
        actions.mark_meeting_held(meeting=meeting, by=actor_for_user(lead))


def test_meeting_on_its_day_is_marked_held(client, lead):
    meeting = MdtMeeting.objects.create(
        title="Today", meets_on=timezone.localdate(), created_by="x"
    )
    client.force_login(lead)
    response = client.post(reverse("mdt-meeting", args=[meeting.pk]), {"held": "1"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.held_at is not None and meeting.held_by == "mdt.lead"


# ------------------------------------------------------------------- actions


def test_overdue_action_for_a_person_the_coordinator_may_not_see_is_withheld(
    scored, lead, social_worker
):
    people, _ = scored
    by = actor_for_user(lead)
    actions.take_onto_caseload(
        person=people[20], coordinator=social_worker.staff, reason="Frailty", by=by
    )
    late = actions.assign_action(
        person=people[20],
        description="Medication review",
        assignee=lead.staff,
        due=timezone.localdate() - timedelta(days=3),
        by=by,
    )
    lists = agenda.my_actions(by=actor_for_user(social_worker))
    (row,) = lists.escalated
    assert row.action == late and row.withheld and row.named == queries.WITHHELD
    f.care_team(people[20], social_worker, reason="Coordinating")
    (row,) = agenda.my_actions(by=actor_for_user(social_worker)).escalated
    assert not row.withheld and row.named.name == "Case20 FINDING"


def test_completing_an_action_for_a_person_who_refused_is_refused_and_audited(
    scored, lead, social_worker
):
    people, _ = scored
    f.care_team(people[2], social_worker, reason="Care Act assessment")
    action = actions.assign_action(
        person=people[2],
        description="Visit",
        assignee=social_worker.staff,
        due=timezone.localdate(),
        by=actor_for_user(lead),
    )
    f.sharing_choice(people[2], social_worker.staff.organisation, decision="refuse")
    with pytest.raises(PermissionDenied):
        actions.complete_action(action=action, by=actor_for_user(social_worker))
    action.refresh_from_db()
    assert action.completed_at is None
    denied = AuditEvent.objects.get(action="record.denied")
    assert denied.detail == {"attempted": "casework.complete_action", "reason": "refused_by_person"}
    assert MdtAction.objects.count() == 1


def test_worklist_takes_a_fixed_number_of_queries_whatever_the_page_size(scored, lead):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    by = actor_for_user(lead)
    counts = []
    for limit in (5, 50):
        with CaptureQueriesContext(connection) as ctx:
            queries.worklist(by=by, limit=limit)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
