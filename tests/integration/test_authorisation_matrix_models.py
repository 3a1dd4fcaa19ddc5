"""The authorisation matrix for partnerships' integration models (ADR 0033): every role ×
the list, a partnership's page, its form and the form's POST, for staff of that partnership;
and the partnership dimension — another partnership's commissioner and analyst are refused
its page and form (403), a partnership that does not exist is a 404, a person signed in to
their own record gets nothing. Nothing is recorded by a refused POST."""

import pytest
from django.urls import reverse

from onestory.access.domain.roles import ROLES
from onestory.national.models import IntegrationModel
from tests import factories as f
from tests.integration.test_authorisation_matrix import ORG_KIND
from tests.integration.test_integration_model_pages import first_version, two_partnerships

pytestmark = pytest.mark.django_db

# role -> (list, page, form, POST) for a member of staff of partnership PA.
EXPECTED = {role: (403, 403, 403, 403) for role in ROLES}
EXPECTED |= {
    "commissioner": (302, 200, 200, 302),  # the list sends them to their own partnership's
    "analyst": (302, 200, 403, 403),
    "national_analyst": (200, 200, 403, 403),
}


def _in(parts, code, role):
    from onestory.places.models import Partnership

    org = f.organisation(f"{code}-{role}"[:20], f"{code} {role}", ORG_KIND[role])
    org.partnership = Partnership.objects.get(code=code)
    org.save(update_fields=["partnership"])
    return f.user(f"{code.lower()}.{role}", role=role, org=org)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_integration_model_routes_for_each_role_of_the_partnership(client, role):
    parts = two_partnerships()
    user = parts["PA"]["commissioner"] if role == "commissioner" else _in(parts, "PA", role)
    if role == "national_analyst":  # national analysts work for no partnership
        user = f.user("national.a", role=role, org=f.organisation("X26", "National team"))
    client.force_login(user)
    got = (
        client.get(reverse("integration-models")).status_code,
        client.get(reverse("integration-model", args=["PA"])).status_code,
        client.get(reverse("integration-model-new", args=["PA"])).status_code,
        client.post(
            reverse("integration-model-new", args=["PA"]), first_version(parts)
        ).status_code,
    )
    assert got == EXPECTED[role]
    assert IntegrationModel.objects.exists() is (EXPECTED[role][3] == 302)


@pytest.mark.parametrize("role", ["commissioner", "analyst"])
def test_integration_model_of_another_partnership_is_refused(client, role):
    parts = two_partnerships()
    other = parts["PB"]["commissioner"] if role == "commissioner" else _in(parts, "PB", role)
    client.force_login(other)
    assert client.get(reverse("integration-model", args=["PA"])).status_code == 403
    assert client.get(reverse("integration-model-new", args=["PA"])).status_code == 403
    response = client.post(reverse("integration-model-new", args=["PA"]), first_version(parts))
    assert response.status_code == 403 and not IntegrationModel.objects.exists()
    # The list offers only their own.
    response = client.get(reverse("integration-models"))
    assert response.status_code == 302 and response["Location"].endswith("/PB/")
    # Their own is open.
    assert client.get(reverse("integration-model", args=["PB"])).status_code == 200


def test_integration_model_of_no_partnership_is_not_found(client):
    parts = two_partnerships()
    client.force_login(f.user("national.a", role="national_analyst", org=f.organisation("X26")))
    assert client.get(reverse("integration-model", args=["NOWHERE"])).status_code == 404
    client.force_login(f.user("unbound.c", role="commissioner", org=f.organisation("X27")))
    assert client.get(reverse("integration-model-new", args=["NOWHERE"])).status_code == 404
    # A commissioner bound to no partnership (a single-partnership installation) may keep
    # any of the installation's models.
    assert client.get(reverse("integration-model-new", args=["PA"])).status_code == 200
    assert parts


def test_integration_model_routes_refuse_a_person_signed_in_to_their_record(client):
    two_partnerships()
    person = f.rich_person()
    client.force_login(f.person_user(person, username="margaret"))
    for url in (
        reverse("integration-models"),
        reverse("integration-model", args=["PA"]),
        reverse("integration-model-new", args=["PA"]),
    ):
        assert client.get(url).status_code == 403, url


def test_integration_model_routes_send_the_signed_out_to_sign_in(client):
    for url in (reverse("integration-models"), reverse("integration-model", args=["PA"])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
