"""Journey tests for the forms outside planning and budgets that had no test submitting
them through the Django client: signing out (staff and the person's portal), ending an MDT
caseload entry, and creating and running an MDT meeting."""

import pytest
from django.urls import reverse
from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.casework import actions as casework
from onestory.casework.models import CaseloadEntry, MdtMeeting
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_logout_form_ends_the_session(client):
    client.force_login(f.user("sam", role="social_worker"))
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("search")).status_code == 302  # back to sign-in


def test_logout_by_get_is_refused_and_keeps_the_session(client):
    client.force_login(f.user("sam", role="social_worker"))
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_portal_logout_form_ends_the_persons_session(client):
    client.force_login(f.person_user(f.person(), "maggie"))
    response = client.post(reverse("portal-logout"))
    assert response.status_code == 302 and response.url == reverse("portal-login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal-logout")).status_code == 405


@pytest.fixture
def lead():
    return f.user("mdt.lead", role="gp", org=f.organisation("Y02101", "Ashbridge", "gp_practice"))


@pytest.fixture
def entry(lead):
    sw = f.user("sw.one", role="social_worker", org=f.organisation("E08000999", "Council"))
    person = f.rich_person()
    # Casework goes through the record's access decision: the lead is in the care team.
    f.care_team(person, lead, reason="Registered GP")
    return casework.take_onto_caseload(
        person=person,
        coordinator=sw.staff,
        reason="Two admissions",
        by=actor_for_user(lead),
    )


def test_end_caseload_form_ends_the_entry_and_audits(client, lead, entry):
    client.force_login(lead)
    url = reverse("mdt-end-caseload", args=[entry.pk])
    response = client.post(url, {"reason": "Settled at home"})
    assert response.status_code == 302 and response.url == reverse("mdt-caseload")
    entry.refresh_from_db()
    assert entry.ended_at is not None
    event = AuditEvent.objects.get(action="casework.caseload_ended")
    assert event.person_id == str(entry.person.external_id) and event.detail == {"entry": entry.pk}


@pytest.mark.parametrize("entry_id", ["0", "9" * 20])
def test_end_caseload_form_for_no_such_entry_is_404(client, lead, entry, entry_id):
    client.force_login(lead)
    assert client.post(f"/mdt/caseload/{entry_id}/end/", {"reason": "x"}).status_code == 404
    assert CaseloadEntry.objects.filter(ended_at__isnull=True).count() == 1


def test_end_caseload_form_by_someone_not_leading_the_mdt_is_403(client, entry):
    client.force_login(f.user("sw.two", role="social_worker"))
    response = client.post(reverse("mdt-end-caseload", args=[entry.pk]), {"reason": "x"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.ended_at is None


def test_mdt_meetings_form_creates_the_meeting_with_its_agenda_and_audits(client, lead, entry):
    client.force_login(lead)
    response = client.post(
        reverse("mdt-meetings"),
        {
            "title": "Ashbridge MDT",
            "meets_on-day": "1",
            "meets_on-month": "12",
            "meets_on-year": "2026",
        },
    )
    meeting = MdtMeeting.objects.get(title="Ashbridge MDT")
    assert response.status_code == 302
    assert response.url == reverse("mdt-meeting", args=[meeting.pk])
    assert [i.person for i in meeting.items.all()] == [entry.person]
    assert AuditEvent.objects.filter(action="casework.meeting_created").count() == 1


def test_mdt_meetings_form_without_a_date_shows_error(client, lead, entry):
    client.force_login(lead)
    response = client.post(reverse("mdt-meetings"), {"title": "MDT", "meets_on-day": ""})
    assert response.status_code == 400
    assert "Enter the meeting date" in response.content.decode()
    assert not MdtMeeting.objects.exists()


def test_mdt_meetings_form_by_someone_not_leading_the_mdt_is_403(client, entry):
    client.force_login(f.user("sw.two", role="social_worker"))
    response = client.post(
        reverse("mdt-meetings"),
        {"title": "MDT", "meets_on-day": "1", "meets_on-month": "12", "meets_on-year": "2026"},
    )
    assert response.status_code == 403
    assert not MdtMeeting.objects.exists()


@pytest.fixture
def meeting(lead, entry):
    # Held today: a meeting dated in the future cannot be marked held.
    return casework.create_meeting(
        title="MDT", meets_on=timezone.localdate(), by=actor_for_user(lead)
    )


def test_mdt_meeting_form_records_the_discussion_and_audits(client, lead, meeting):
    client.force_login(lead)
    item = meeting.items.get()
    url = reverse("mdt-meeting", args=[meeting.pk])
    response = client.post(url, {"item": item.pk, "discussion": "Falls review agreed."})
    assert response.status_code == 302 and response.url == url
    item.refresh_from_db()
    assert item.discussion == "Falls review agreed."
    assert AuditEvent.objects.filter(action="casework.discussion_recorded").count() == 1
    client.post(url, {"held": "1"})
    meeting.refresh_from_db()
    assert meeting.held_at is not None
    assert AuditEvent.objects.filter(action="casework.meeting_held").count() == 1


def test_mdt_meeting_form_for_no_such_item_is_404(client, lead, meeting):
    client.force_login(lead)
    url = reverse("mdt-meeting", args=[meeting.pk])
    assert client.post(url, {"item": "0", "discussion": "x"}).status_code == 404
    assert not AuditEvent.objects.filter(action="casework.discussion_recorded").exists()


def test_mdt_meeting_form_by_someone_not_leading_the_mdt_is_403(client, meeting):
    client.force_login(f.user("sw.two", role="social_worker"))
    item = meeting.items.get()
    url = reverse("mdt-meeting", args=[meeting.pk])
    assert client.post(url, {"item": item.pk, "discussion": "x"}).status_code == 403
    item.refresh_from_db()
    assert item.discussion == ""
