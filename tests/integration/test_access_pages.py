"""Pages for access: the no-access page (join the care team, break glass), the care-team
card and break-glass banner on the record, search results marked with access, the privacy
lead's review queue and the administrator's staff page."""

import re

import pytest
from django.urls import reverse

from onestory.access.actions import break_glass, join_care_team, set_sharing_choice
from onestory.access.models import StaffMember
from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
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
        "dr.jones", role="gp", org=f.organisation("B86001", "Beech Tree Surgery", "gp_practice")
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


def test_join_care_team_with_reason_opens_record_with_care_team_card(client, stranger, margaret):
    client.force_login(stranger)
    url = reverse("person-join-care-team", args=[margaret.external_id])
    response = client.post(url, {"reason": "Allocated after hospital discharge"}, follow=True)
    html = html_of(response)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == person_url(margaret) + "?joined=1"
    assert "You have joined the care team." in html
    card = html[html.index('id="care-team"') :]
    card = card[: card.index('id="household"')]
    assert "dr.stranger" in card and "Far Away Surgery" in card
    assert "Allocated after hospital discharge" in card
    assert "Leave the care team" in card
    assert "Oldroyd" in html


def test_leave_care_team_ends_access(client, stranger, margaret):
    membership = join_care_team(
        person=margaret,
        staff=stranger.staff,
        reason="Covering for a colleague",
        by=actor_for_user(stranger),
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
    client.force_login(own_gp)
    html = html_of(client.get(reverse("search"), {"name": "Oldroyd"}))
    assert "You have access" in html
    client.force_login(stranger)
    html = html_of(client.get(reverse("search"), {"name": "Oldroyd"}))
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


def test_break_glass_queue_lists_grants_of_own_organisation(client, grant):
    lead = f.user("lead.far", role="privacy_lead", org=grant.staff.organisation)
    client.force_login(lead)
    response = client.get(reverse("break-glass-queue"))
    html = html_of(response)
    assert response.status_code == 200
    assert "Waiting for review (1)" in html
    assert "dr.stranger" in html and "Unconscious in A&amp;E" in html
    assert str(grant.person.external_id) in html
    assert "Oldroyd" not in html


def test_break_glass_queue_hides_other_organisations_grants(client, grant):
    lead = f.user("lead.other", role="privacy_lead", org=f.organisation("Z1", "Other Trust"))
    client.force_login(lead)
    html = html_of(client.get(reverse("break-glass-queue")))
    assert "Waiting for review (0)" in html and "dr.stranger" not in html
    response = client.post(
        reverse("break-glass-review", args=[grant.pk]), {"outcome": "appropriate"}
    )
    assert response.status_code == 404


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
    weak = client.post(
        url, {"username": "nurse.new", "password": "short", "role": "nurse", "organisation": "RR8"}
    )
    assert weak.status_code == 400
    assert "too short" in html_of(weak)
    response = client.post(
        url,
        {
            "username": "nurse.new",
            "password": "a-long-enough-pass-phrase",
            "role": "nurse",
            "organisation": "RR8",
        },
        follow=True,
    )
    assert "The staff account has been created." in html_of(response)
    staff = StaffMember.objects.get(user__username="nurse.new")
    assert staff.role == "nurse" and staff.organisation == org


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
        ("gp", ["Find a person"], ["Break-glass reviews", "Staff</a>"]),
        ("privacy_lead", ["Break-glass reviews"], ["Find a person", "Staff</a>"]),
        ("administrator", ["Staff</a>"], ["Find a person", "Break-glass reviews"]),
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
