"""The person portal under /me/: sign-in (person account; demo-only NHS number and date of
birth), their whole record, their sharing choices and who has looked at their record."""

import pytest
from django.urls import reverse

from onestory.access.actions import create_person_account
from onestory.access.models import SecondaryUseOptOut, SharingChoice
from onestory.audit.domain.actor import Actor
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-pass-phrase"


@pytest.fixture
def margaret():
    """Known to five services; each service's organisation exists in OneStory."""
    person = f.rich_person()
    for code, name, kind in (
        ("B86001", "Beech Tree Surgery", "gp_practice"),
        ("RR8", "Leeds Teaching Hospitals", "acute_trust"),
        ("RGD", "Leeds and York Partnership", "mental_health_trust"),
        ("E08000035", "Leeds City Council", "adult_social_care"),
        ("H001", "Leeds Housing", "housing"),
    ):
        f.organisation(code, name, kind)
    return person


@pytest.fixture
def account(margaret):
    return create_person_account(
        person=margaret, username="margaret", password=PASSWORD, by=Actor.system("tests")
    )


@pytest.fixture
def signed_in(client, account):
    client.force_login(account.user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def test_portal_pages_send_anonymous_visitors_to_sign_in(client):
    for name in ("portal-home", "portal-sharing", "portal-access-log"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal-login"))


def test_sign_in_page_offers_demo_sign_in_only_in_demo(client, settings):
    settings.ENV = "test"
    html = html_of(client.get(reverse("portal-login")))
    assert '<label class="nhsuk-label" for="username">' in html
    assert "NHS number" not in html
    settings.ENV = "demo"
    html = html_of(client.get(reverse("portal-login")))
    assert "Demo only: sign in with an NHS number and date of birth" in html
    assert '<label class="nhsuk-label" for="nhs_number">' in html


def test_demo_sign_in_refused_outside_demo(client, settings, margaret):
    settings.ENV = "production"
    nhs = margaret.links.first().record.nhs_number or ""
    response = client.post(
        reverse("portal-login"), {"method": "demo", "nhs_number": nhs, "dob": "31/03/1950"}
    )
    assert response.status_code == 403
    assert not client.session.get("_auth_user_id")


def test_demo_sign_in_with_nhs_number_and_date_of_birth_opens_record(client, settings, margaret):
    settings.ENV = "demo"
    nhs = next(link.record.nhs_number for link in margaret.links.all() if link.record.nhs_number)
    response = client.post(
        reverse("portal-login"),
        {
            "method": "demo",
            "nhs_number": nhs,
            "dob-day": "31",
            "dob-month": "3",
            "dob-year": "1950",
        },
        follow=True,
    )
    html = html_of(response)
    assert response.redirect_chain[-1][0] == reverse("portal-home")
    assert "Margaret Oldroyd" in html and "(demo sign-in)" in html
    # Signing in again uses the same demo account.
    client.logout()
    client.post(reverse("portal-login"), {"method": "demo", "nhs_number": nhs, "dob": "31/03/1950"})
    assert client.get(reverse("portal-home")).status_code == 200


def test_demo_sign_in_date_of_birth_without_year_names_the_field(client, settings, margaret):
    settings.ENV = "demo"
    nhs = next(link.record.nhs_number for link in margaret.links.all() if link.record.nhs_number)
    response = client.post(
        reverse("portal-login"),
        {"method": "demo", "nhs_number": nhs, "dob-day": "31", "dob-month": "3"},
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "Date of birth must include a year" in html
    assert 'name="dob-day" type="text" inputmode="numeric" value="31"' in html
    assert not client.session.get("_auth_user_id")


def test_demo_sign_in_with_wrong_date_of_birth_is_refused(client, settings, margaret):
    settings.ENV = "demo"
    nhs = next(link.record.nhs_number for link in margaret.links.all() if link.record.nhs_number)
    response = client.post(
        reverse("portal-login"), {"method": "demo", "nhs_number": nhs, "dob": "01/01/1951"}
    )
    assert response.status_code == 400
    assert "No one in the demo has that NHS number and date of birth together" in html_of(response)
    assert "Oldroyd" not in html_of(response)


def test_password_sign_in_opens_whole_record(client, account):
    response = client.post(
        reverse("portal-login"),
        {"method": "password", "username": "margaret", "password": PASSWORD},
        follow=True,
    )
    html = html_of(response)
    assert response.redirect_chain[-1][0] == reverse("portal-home")
    assert "Margaret Oldroyd" in html
    # All categories, the sensitive ones included: the mental health trust's contacts.
    assert "Older adults CMHT contact" in html
    assert "Leeds and York Partnership" in html


def test_password_sign_in_refuses_staff_account_and_wrong_password(client, account):
    f.user("dr.jones", role="gp")
    for username, password in (("dr.jones", f.PASSWORD), ("margaret", "wrong-password-here")):
        response = client.post(
            reverse("portal-login"),
            {"method": "password", "username": username, "password": password},
        )
        assert response.status_code == 400
        assert "Your username or password is not right" in html_of(response)


def test_password_sign_in_says_when_the_username_is_locked(client, account):
    for _ in range(5):
        client.post(
            reverse("portal-login"),
            {"method": "password", "username": "margaret", "password": "wrong-password-here"},
        )
    response = client.post(
        reverse("portal-login"),
        {"method": "password", "username": "margaret", "password": PASSWORD},
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "too many attempts to sign in with this username" in html
    assert "Try again in 15 minutes" in html
    assert "Your username or password is not right" not in html


def test_sharing_page_lists_organisations_and_sensitive_categories(signed_in):
    html = html_of(signed_in.get(reverse("portal-sharing")))
    for name in ("Beech Tree Surgery", "Leeds Housing", "Leeds and York Partnership"):
        assert name in html
    for label in ("Mental health", "Sexual health", "Safeguarding"):
        assert f'<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{label}' in html
    assert 'id="secondary-use-yes" name="secondary_use" type="radio" value="allow" checked' in html


def test_sharing_page_saves_only_what_changed(signed_in, margaret):
    response = signed_in.post(
        reverse("portal-sharing"),
        {
            "org:H001": "refuse",
            "org:B86001": "allow",
            "cat:sexual_health": "refuse",
            "cat:mental_health": "allow",
            "secondary_use": "opt_out",
        },
        follow=True,
    )
    assert "Your choices have been saved." in html_of(response)
    choices = set(
        SharingChoice.objects.filter(person=margaret).values_list(
            "organisation__code", "category", "decision", "set_by_kind"
        )
    )
    assert choices == {("H001", "", "refuse", "self"), (None, "sexual_health", "refuse", "self")}
    assert SecondaryUseOptOut.objects.filter(person=margaret).exists()
    html = html_of(signed_in.get(reverse("portal-sharing")))
    assert 'id="org-h001-refuse" name="org:H001" type="radio" value="refuse" checked' in html
    assert 'id="secondary-use-no" name="secondary_use" type="radio" value="opt_out" checked' in html


def test_refusing_an_organisation_blocks_its_staff_and_shows_in_access_log(
    client, account, margaret
):
    client.force_login(account.user)
    client.post(reverse("portal-sharing"), {"org:H001": "refuse"})
    officer = f.user("housing.officer", role="housing_officer", org=f.organisation("H001"))
    client.force_login(officer)
    denied = client.get(reverse("person", args=[margaret.external_id]))
    assert denied.status_code == 403 and "Oldroyd" not in html_of(denied)
    found = client.get(reverse("search"), {"name": "Oldroyd"})
    assert str(margaret.external_id) not in html_of(found)

    client.force_login(account.user)
    response = client.get(reverse("portal-access-log"))
    html = html_of(response)
    assert response.status_code == 200
    row = html[html.index('data-action="record.denied"') :]
    row = row[: row.index("</tr>")]
    assert 'data-refused="true"' in row
    assert "housing.officer" in row and "Housing officer" in row and "Leeds Housing" in row
    assert "Stopped" in row and "Web page" in row


def test_representative_account_is_named_in_header(client, margaret):
    account = create_person_account(
        person=margaret,
        username="daughter",
        password=PASSWORD,
        acting_as="representative",
        representative_name="Susan Oldroyd",
        by=Actor.system("tests"),
    )
    client.force_login(account.user)
    html = html_of(client.get(reverse("portal-home")))
    assert "Susan Oldroyd, on behalf of the person" in html


def test_staff_user_cannot_use_portal_pages(client):
    client.force_login(f.user("dr.jones", role="gp"))
    response = client.get(reverse("portal-home"))
    assert response.status_code == 302 and reverse("portal-login") in response["Location"]
