"""Pages for access: the no-access page (join the care team, break glass), the care-team
card and break-glass banner on the record, search results marked with access, the privacy
lead's review queue and the administrator's staff page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from onestory.access.actions import break_glass, join_care_team, set_sharing_choice
from onestory.access.models import BreakGlassGrant, CareTeamMembership, StaffMember
from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

PERSONAL = ("Margaret", "Maggie", "Oldroyd", "LS2 5ZN", "1950")


@pytest.fixture
def margaret():
    return f.rich_person()


@pytest.fixture
def stranger():
    """A GP at a practice with no relationship to Margaret."""
    return f.user(
        "dr.stranger", role="gp", org=f.organisation("Y90001", "Far Away Surgery", "gp_practice")
    )


@pytest.fixture
def own_gp():
    """A GP at Margaret's practice: her registration there is a legitimate relationship."""
    return f.user(
        "dr.jones",
        role="gp",
        org=f.organisation("B86001", "Beech Tree Surgery", "gp_practice"),
        first_name="Aled",
        last_name="Jones",
    )


def person_url(p):
    return reverse("person", args=[p.external_id])


def html_of(response) -> str:
    return response.content.decode()


def test_person_page_without_access_is_403_with_no_personal_data(client, stranger, margaret):
    client.force_login(stranger)
    response = client.get(person_url(margaret))
    html = html_of(response)
    assert response.status_code == 403
    assert "You do not have access to this record" in html
    for text in PERSONAL:
        assert text not in html
    for name in ("person-join-care-team", "person-break-glass"):
        assert f'action="{reverse(name, args=[margaret.external_id])}"' in html
    assert re.search(
        r'data-testid="break-glass-expiry">(\d{1,2}(:\d\d)?[ap]m|midday|midnight) on ', html
    )


def test_person_page_for_role_without_record_access_offers_nothing(client, margaret):
    lead = f.user(
        "privacy.lead", role="privacy_lead", org=f.organisation("Y90001", "Far Away Surgery")
    )
    client.force_login(lead)
    response = client.get(person_url(margaret))
    html = html_of(response)
    assert response.status_code == 403
    assert "Join the care team" not in html and "Break glass" not in html
    assert "Oldroyd" not in html


def test_join_care_team_without_reason_shows_error(client, stranger, margaret):
    client.force_login(stranger)
    url = reverse("person-join-care-team", args=[margaret.external_id])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "Enter why you are joining the care team" in html_of(response)
    assert "Oldroyd" not in html_of(response)


def test_join_care_team_with_a_basis_opens_record_with_care_team_card(client, own_gp, margaret):
    # Margaret is registered at dr.jones's practice: a basis the system can check.
    client.force_login(own_gp)
    url = reverse("person-join-care-team", args=[margaret.external_id])
    response = client.post(url, {"reason": "Allocated after hospital discharge"}, follow=True)
    html = html_of(response)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == person_url(margaret) + "?joined=1"
    assert "You have joined the care team." in html
    card = html[html.index('id="care-team"') :]
    card = card[: card.index('id="household"')]
    # Named as people know them, not by their sign-in name.
    assert "Aled Jones, GP" in card and "Beech Tree Surgery" in card
    assert "dr.jones" not in card
    assert "Allocated after hospital discharge" in card
    assert "Leave the care team" in card
    assert "Oldroyd" in html


def test_join_care_team_without_a_basis_waits_for_review(client, stranger, margaret):
    client.force_login(stranger)
    url = reverse("person-join-care-team", args=[margaret.external_id])
    response = client.post(url, {"reason": "Asked to see her by a colleague"}, follow=True)
    html = html_of(response)
    assert response.status_code == 200
    assert "Your request to join the care team is waiting for review" in html
    assert 'data-testid="join-waiting"' in html
    assert "Oldroyd" not in html
    assert client.get(person_url(margaret)).status_code == 403


def test_join_care_team_with_an_nhs_number_in_the_reason_is_refused(client, own_gp, margaret):
    client.force_login(own_gp)
    url = reverse("person-join-care-team", args=[margaret.external_id])
    response = client.post(url, {"reason": "Named GP for NHS 999 891 0714"})
    assert response.status_code == 400
    assert "Remove the NHS number from the reason" in html_of(response)
    assert not CareTeamMembership.objects.exists()


def test_break_glass_with_a_postcode_in_the_reason_is_refused(client, stranger, margaret):
    client.force_login(stranger)
    url = reverse("person-break-glass", args=[margaret.external_id])
    response = client.post(url, {"reason": "Collapsed at home, LS2 5ZN, ambulance crew"})
    assert response.status_code == 400
    assert "Remove the postcode from the reason" in html_of(response)
    assert not AuditEvent.objects.filter(action="access.break_glass").exists()


def test_leave_care_team_ends_access(client, stranger, margaret):
    membership = join_care_team(
        person=margaret,
        staff=stranger.staff,
        reason="Covering for a colleague",
        by=Actor.system(),  # set up by the operator: no review needed
    )
    client.force_login(stranger)
    response = client.post(reverse("care-team-leave", args=[membership.pk]))
    assert response.status_code == 302
    assert client.get(person_url(margaret)).status_code == 403


def test_leave_care_team_of_another_organisation_is_404(client, stranger, own_gp, margaret):
    membership = join_care_team(
        person=margaret, staff=own_gp.staff, reason="Named GP", by=actor_for_user(own_gp)
    )
    client.force_login(stranger)
    assert client.post(reverse("care-team-leave", args=[membership.pk])).status_code == 404


def test_break_glass_with_short_reason_shows_error(client, stranger, margaret):
    client.force_login(stranger)
    url = reverse("person-break-glass", args=[margaret.external_id])
    response = client.post(url, {"reason": "urgent"})
    assert response.status_code == 400
    assert "at least 10 characters" in html_of(response)


def test_break_glass_opens_record_with_banner_and_expiry(client, stranger, margaret):
    client.force_login(stranger)
    url = reverse("person-break-glass", args=[margaret.external_id])
    response = client.post(
        url, {"reason": "Unconscious in A&E, need medication history"}, follow=True
    )
    html = html_of(response)
    assert response.redirect_chain[-1][0] == person_url(margaret)
    assert 'id="break-glass-banner"' in html
    assert re.search(
        r'data-testid="break-glass-expires">(\d{1,2}(:\d\d)?[ap]m|midday|midnight) on ', html
    )
    assert "Oldroyd" in html


def test_record_page_with_open_episode_has_no_break_glass_banner(client, own_gp, margaret):
    client.force_login(own_gp)
    response = client.get(person_url(margaret))
    html = html_of(response)
    assert response.status_code == 200
    assert 'id="break-glass-banner"' not in html
    assert "open referral, episode or registration" in html
    assert "No one has joined the care team in OneStory yet." in html


def test_search_results_say_whether_access_is_held(client, own_gp, stranger, margaret):
    number = margaret.links.first().record.nhs_number
    client.force_login(own_gp)
    html = html_of(client.get(reverse("search"), {"name": "Oldroyd"}))
    assert "You have access" in html
    client.force_login(stranger)
    # Without a relationship only a precise query (here the NHS number) lists the person.
    html = html_of(client.get(reverse("search"), {"nhs_number": number}))
    assert "No access yet" in html and "You have access" not in html


def test_search_hides_person_who_refused_the_organisation(client, stranger, margaret):
    set_sharing_choice(
        person=margaret,
        organisation=stranger.staff.organisation,
        decision="refuse",
        by=Actor.system("tests"),
    )
    client.force_login(stranger)
    response = client.get(reverse("search"), {"name": "Oldroyd"})
    html = html_of(response)
    assert "No people found" in html and person_url(margaret) not in html
    # Refusal blocks break-glass too.
    url = reverse("person-break-glass", args=[margaret.external_id])
    response = client.post(url, {"reason": "Unconscious in A&E, need medication history"})
    assert response.status_code == 403
    assert "Oldroyd" not in html_of(response)


# ---------------------------------------------------------------------------- review queue


@pytest.fixture
def grant(stranger, margaret):
    return break_glass(
        person=margaret,
        staff=stranger.staff,
        reason="Unconscious in A&E, need medication history",
        by=actor_for_user(stranger),
    )


def test_break_glass_queue_lists_grants_of_own_organisation_naming_the_person(client, grant):
    lead = f.user("lead.far", role="privacy_lead", org=grant.staff.organisation)
    client.force_login(lead)
    response = client.get(reverse("break-glass-queue"))
    html = html_of(response)
    assert response.status_code == 200
    assert "Waiting for review (1)" in html
    assert "dr.stranger" in html and "Unconscious in A&amp;E" in html
    assert str(grant.person.external_id) in html
    # The reviewer needs the name to judge; showing it is audited against the person.
    assert "Margaret Oldroyd" in html
    named = AuditEvent.objects.get(action="access.review_queue_named")
    assert named.person_id == str(grant.person.external_id) and named.actor_label == "lead.far"


def test_break_glass_queue_hides_grants_of_organisations_with_their_own_lead(client, grant):
    f.user("lead.far", role="privacy_lead", org=grant.staff.organisation)
    lead = f.user("lead.other", role="privacy_lead", org=f.organisation("Z1", "Other Trust"))
    client.force_login(lead)
    html = html_of(client.get(reverse("break-glass-queue")))
    assert "Waiting for review (0)" in html and "dr.stranger" not in html
    response = client.post(
        reverse("break-glass-review", args=[grant.pk]), {"outcome": "appropriate"}
    )
    assert response.status_code == 404


def test_break_glass_of_an_organisation_without_a_lead_reaches_the_partnerships_leads(
    client, grant
):
    # Far Away Surgery has no privacy lead: the grant must not sit where nobody sees it.
    lead = f.user("lead.other", role="privacy_lead", org=f.organisation("Z1", "Other Trust"))
    client.force_login(lead)
    html = html_of(client.get(reverse("break-glass-queue")))
    assert "Waiting for review (1)" in html and "No privacy lead of its own" in html
    response = client.post(
        reverse("break-glass-review", args=[grant.pk]), {"outcome": "appropriate"}, follow=True
    )
    assert "Your review has been recorded." in html_of(response)
    grant.refresh_from_db()
    assert grant.reviewed_by == "lead.other"
    # The reviewer still sees what they reviewed, under "Reviewed".
    reviewed = html_of(response)
    assert "Unconscious in A&amp;E" in reviewed[reviewed.index('id="reviewed"') :]


def test_overdue_grant_is_flagged_first_and_shown_to_every_lead(client, grant, margaret):
    from datetime import timedelta

    from django.utils import timezone

    f.user("lead.far", role="privacy_lead", org=grant.staff.organisation)
    old = f.break_glass_grant(margaret, grant.staff.user, reason="Old emergency, unreviewed")
    BreakGlassGrant.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - timedelta(hours=80),
        expires_at=timezone.now() - timedelta(hours=76),
    )
    other = f.user("lead.other", role="privacy_lead", org=f.organisation("Z1", "Other Trust"))
    client.force_login(other)
    html = html_of(client.get(reverse("break-glass-queue")))
    # Escalated: the other trust's lead sees the overdue grant only, flagged, at the top.
    assert "Waiting for review (1)" in html and 'data-testid="overdue-summary"' in html
    assert f'id="grant-{old.pk}"' in html and f'id="grant-{grant.pk}"' not in html
    lead = StaffMember.objects.get(user__username="lead.far").user
    client.force_login(lead)
    html = html_of(client.get(reverse("break-glass-queue")))
    assert html.index(f'id="grant-{old.pk}"') < html.index(f'id="grant-{grant.pk}"')


def test_join_request_review_form_approves_and_refuses(client, stranger, margaret):
    first = join_care_team(
        person=margaret,
        staff=stranger.staff,
        reason="Asked by a colleague",
        by=actor_for_user(stranger),
    )
    lead = f.user("lead.far", role="privacy_lead", org=stranger.staff.organisation)
    client.force_login(lead)
    html = html_of(client.get(reverse("break-glass-queue")))
    assert "Requests to join a care team (1)" in html and "Margaret Oldroyd" in html
    url = reverse("join-request-review", args=[first.pk])
    assert client.post(url, {"note": "no outcome"}).status_code == 400
    bad = client.post(url, {"outcome": "approved", "note": "born 14/07/1947"})
    assert bad.status_code == 400 and "Remove the date from the note" in html_of(bad)
    response = client.post(url, {"outcome": "approved", "note": "Checked"}, follow=True)
    assert "Your review has been recorded." in html_of(response)
    first.refresh_from_db()
    assert first.review_outcome == "approved" and first.membership is not None
    client.force_login(stranger)
    assert client.get(person_url(margaret)).status_code == 200


def test_join_request_status_page_is_only_for_the_requester(client, stranger, own_gp, margaret):
    request = join_care_team(
        person=margaret,
        staff=stranger.staff,
        reason="Asked by a colleague",
        by=actor_for_user(stranger),
    )
    client.force_login(own_gp)
    assert client.get(reverse("join-request-status", args=[request.pk])).status_code == 404


def test_break_glass_review_records_outcome_and_note(client, grant):
    lead = f.user("lead.far", role="privacy_lead", org=grant.staff.organisation)
    client.force_login(lead)
    url = reverse("break-glass-review", args=[grant.pk])
    assert client.post(url, {"note": "no outcome"}).status_code == 400
    response = client.post(
        url, {"outcome": "inappropriate", "note": "Not an emergency"}, follow=True
    )
    html = html_of(response)
    assert "Your review has been recorded." in html
    assert "Waiting for review (0)" in html
    assert "Inappropriate" in html and "Not an emergency" in html
    grant.refresh_from_db()
    assert grant.review_outcome == "inappropriate" and grant.reviewed_by == "lead.far"


def test_break_glass_queue_refused_to_gp(client, stranger):
    client.force_login(stranger)
    assert client.get(reverse("break-glass-queue")).status_code == 403


# ---------------------------------------------------------------------------- staff admin


@pytest.fixture
def admin_user():
    return f.user(
        "admin.one", role="administrator", org=f.organisation("Y12345", "Leeds Health Partnership")
    )


def test_staff_page_lists_staff_with_role_and_organisation(client, admin_user, stranger):
    client.force_login(admin_user)
    response = client.get(reverse("staff-list"))
    html = html_of(response)
    assert response.status_code == 200
    row = html[html.index('data-username="dr.stranger"') :]
    row = row[: row.index("</tr>")]
    assert "GP" in row and "Far Away Surgery" in row


def test_staff_page_creates_account(client, admin_user):
    org = f.organisation("RR8", "Leeds Teaching Hospitals", "acute_trust")
    client.force_login(admin_user)
    url = reverse("staff-create")
    form = {
        "username": "nurse.new",
        "first_name": "Grace",
        "last_name": "Adeyemi",
        "job_title": "Ward sister",
        "role": "nurse",
        "organisation": "RR8",
    }
    weak = client.post(url, {**form, "password": "short"})
    assert weak.status_code == 400
    assert "too short" in html_of(weak)
    unnamed = client.post(url, {**form, "first_name": "", "password": "a-long-enough-pass"})
    assert unnamed.status_code == 400 and "Enter their first name" in html_of(unnamed)
    response = client.post(url, {**form, "password": "a-long-enough-pass-phrase"}, follow=True)
    assert "The staff account has been created." in html_of(response)
    staff = StaffMember.objects.get(user__username="nurse.new")
    assert staff.role == "nurse" and staff.organisation == org
    assert staff.described == "Grace Adeyemi, Ward sister at Leeds Teaching Hospitals"


def test_new_staff_page_shows_the_form(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("staff-create"))
    html = html_of(response)
    assert response.status_code == 200
    assert "<h1" in html and "Create a staff account" in html
    for field in ("username", "first_name", "last_name", "password", "role", "organisation"):
        assert f'name="{field}"' in html


def test_staff_page_disables_and_enables_an_account(client, admin_user, stranger):
    client.force_login(admin_user)
    url = reverse("staff-active", args=[stranger.staff.pk])
    response = client.post(url, {"enabled": "no"}, follow=True)
    html = html_of(response)
    assert "The account has been disabled" in html and 'data-testid="disabled"' in html
    stranger.refresh_from_db()
    assert not stranger.is_active
    event = AuditEvent.objects.get(action="access.disable_staff")
    assert event.detail["username"] == "dr.stranger"
    other = Client()
    assert not other.login(username="dr.stranger", password=f.PASSWORD)
    client.post(url, {"enabled": "yes"})
    stranger.refresh_from_db()
    assert stranger.is_active
    assert AuditEvent.objects.filter(action="access.enable_staff").count() == 1
    own = client.post(reverse("staff-active", args=[admin_user.staff.pk]), {"enabled": "no"})
    assert own.status_code == 400 and "your own account" in html_of(own)


def test_staff_page_resets_a_password_and_unlocks(client, admin_user, stranger):
    from onestory.access.auth import is_locked

    other = Client()
    for _ in range(5):
        other.post(reverse("login"), {"username": "dr.stranger", "password": "wrong"})
    assert is_locked("dr.stranger")
    client.force_login(admin_user)
    url = reverse("staff-password", args=[stranger.staff.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="password"' in html_of(page)
    weak = client.post(url, {"password": "short"})
    assert weak.status_code == 400 and "too short" in html_of(weak)
    response = client.post(url, {"password": "a-brand-new-pass-phrase"}, follow=True)
    assert "The new password has been set." in html_of(response)
    assert not is_locked("dr.stranger")
    assert other.login(username="dr.stranger", password="a-brand-new-pass-phrase")
    event = AuditEvent.objects.get(action="access.reset_password")
    assert "a-brand-new-pass-phrase" not in str(event.detail)
    assert client.get(reverse("staff-password", args=[stranger.staff.pk])).status_code == 200
    stranger.refresh_from_db()
    client.force_login(stranger)
    assert client.post(url, {"password": "another-long-pass-phrase"}).status_code == 403


def test_staff_page_assigns_role_and_organisation(client, admin_user, stranger):
    f.organisation("B86001", "Beech Tree Surgery", "gp_practice")
    client.force_login(admin_user)
    url = reverse("staff-assign", args=[stranger.staff.pk])
    response = client.post(url, {"role": "nurse", "organisation": "B86001"}, follow=True)
    assert "The role has been saved." in html_of(response)
    stranger.staff.refresh_from_db()
    assert stranger.staff.role == "nurse" and stranger.staff.organisation.code == "B86001"
    assert client.post(url, {"role": "wizard", "organisation": "B86001"}).status_code == 400


def test_staff_page_refused_to_non_administrator(client, stranger):
    client.force_login(stranger)
    assert client.get(reverse("staff-list")).status_code == 403
    response = client.post(
        reverse("staff-assign", args=[stranger.staff.pk]),
        {"role": "administrator", "organisation": "Y90001"},
    )
    assert response.status_code == 403
    stranger.staff.refresh_from_db()
    assert stranger.staff.role == "gp"


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        ("gp", ["Find a person"], ["Access reviews", "Staff</a>"]),
        ("privacy_lead", ["Access reviews"], ["Find a person", "Staff</a>"]),
        ("administrator", ["Staff</a>"], ["Find a person", "Access reviews"]),
    ],
)
def test_navigation_shows_only_links_the_role_may_use(client, role, shown, hidden):
    user = f.user(f"nav.{role}", role=role, org=f.organisation("Y90001", "Far Away Surgery"))
    client.force_login(user)
    html = html_of(client.get(reverse("search"), follow=True))
    nav = html[html.index('aria-label="Menu"') :]
    nav = nav[: nav.index("</nav>")]
    for text in shown:
        assert text in nav
    for text in hidden:
        assert text not in nav
