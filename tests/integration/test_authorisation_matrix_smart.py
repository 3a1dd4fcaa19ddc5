"""The authorisation matrix for SMART App Launch (ADR 0030).

- App registration (`/smart/apps/`, register, remove): every staff role; only a role that
  issues API tokens (`assign_roles`: the administrator) may, the rest are refused (403)
  and change nothing.
- The consent page and an app's token: every role that reads records × with or without a
  relationship × with or without the person's refusal of the caller's organisation. The
  person is offered on the consent page, and a patient or user token reads her, only with
  a relationship and no refusal; otherwise 403, audited as `record.denied`, revealing
  nothing. The person herself may hand her own record to an app, and nobody else's.

Expected outcomes are written from the rules, not read from the code."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from onestory.access.domain.roles import ROLES
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop import smart
from onestory.interop.models import SmartLaunch
from tests import factories as f
from tests.integration.test_authorisation_matrix import ORG_KIND
from tests.integration.test_authorisation_matrix_record import CELLS, _reveals, _world

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests", channel="cli")
REDIRECT = "https://app.example/callback"
REGISTERS = {"administrator"}


def _app():
    return smart.register_app(
        by=SYSTEM, name="Matrix app", redirect_uris=[REDIRECT], confidential=False
    )[0]


def _token(user, app, scope: str, person=None) -> str:
    """A token as the consent and token exchange make it (tested end to end with an OAuth
    client in test_fhir_smart.py)."""
    raw = f"matrix-{user.pk}-{scope.replace('/', '-')}"
    token = AccessToken.objects.create(
        user=user,
        application=app,
        token=raw,
        expires=timezone.now() + timedelta(hours=1),
        scope=scope,
    )
    SmartLaunch.objects.create(
        code=raw, application=app, user=user, person=person, access_token=token
    )
    return raw


def _consent_page(client, app, scope: str):
    return client.get(
        "/oauth/authorize",
        {
            "client_id": app.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "matrix",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
    )


@pytest.mark.parametrize("role", sorted(ROLES))
def test_smart_app_registration_only_for_roles_that_issue_tokens(client, role):
    org = f.organisation(f"S-{role}"[:20], f"Smart {role}", ORG_KIND[role])
    client.force_login(f.user(f"sm.{role}", role=role, org=org))
    existing = _app()
    listing = client.get("/smart/apps/")
    register = client.post("/smart/apps/", {"name": "New", "redirect_uris": REDIRECT})
    remove = client.post(f"/smart/apps/{existing.pk}/remove")
    if role in REGISTERS:
        assert (listing.status_code, register.status_code, remove.status_code) == (200, 200, 302)
        assert list(Application.objects.values_list("name", flat=True)) == ["New"]
    else:
        assert (listing.status_code, register.status_code, remove.status_code) == (403, 403, 403)
        assert existing.client_id not in listing.content.decode()
        assert list(Application.objects.values_list("name", flat=True)) == ["Matrix app"]


def test_smart_app_registration_needs_sign_in(client):
    app = _app()
    assert client.get("/smart/apps/").status_code == 302
    assert client.post(f"/smart/apps/{app.pk}/remove").status_code == 302
    assert client.get("/oauth/authorize").status_code == 302  # to the sign-in page
    assert Application.objects.count() == 1


@pytest.mark.parametrize(("role", "related", "refused"), CELLS)
def test_smart_consent_and_tokens_follow_the_access_decision(client, role, related, refused):
    margaret, nhs, user = _world(role, related, refused)
    sees = related and not refused
    app = _app()
    client.force_login(user)
    page = _consent_page(client, app, "launch/patient patient/*.read")
    assert page.status_code == 200
    assert (str(margaret.external_id) in page.content.decode()) is sees
    if not sees:
        assert _reveals(page.content.decode(), nhs) == []
    client.logout()
    path = f"/fhir/Patient/{margaret.external_id}"
    for scope in ("patient/*.read", "user/*.read"):
        person = margaret if scope.startswith("patient") else None
        token = _token(user, app, scope, person)
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        if sees:
            assert response.status_code == 200, scope
        else:
            assert response.status_code == 403, scope
            assert _reveals(response.content.decode(), nhs) == []
    denied = AuditEvent.objects.filter(
        actor_id=f"user:{user.pk}", action="record.denied", person_id=str(margaret.external_id)
    )
    assert denied.count() == (0 if sees else 2)


@pytest.mark.parametrize("acting_as", ["self", "representative"])
def test_smart_person_may_hand_only_their_own_record_to_an_app(client, acting_as):
    margaret, nhs, _user = _world("gp", related=False, refused=False)
    other = f.linked_person(f.source_record(given_name="Norah", family_name="Nextdoor"))
    person = f.person_user(
        margaret, f"me.{acting_as}", acting_as=acting_as, name="Rep" if acting_as != "self" else ""
    )
    app = _app()
    client.force_login(person)
    page = _consent_page(client, app, "launch/patient patient/*.read").content.decode()
    assert str(margaret.external_id) in page and str(other.external_id) not in page
    client.logout()
    token = _token(person, app, "patient/*.read", margaret)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/fhir/Patient/{margaret.external_id}", **auth).status_code == 200
    assert client.get(f"/fhir/Patient/{other.external_id}", **auth).status_code == 403


@pytest.mark.parametrize("role", ["commissioner", "analyst", "privacy_lead", "administrator"])
def test_smart_roles_without_record_access_cannot_approve_an_app(client, role):
    org = f.organisation(f"S-{role}"[:20], f"Smart {role}", ORG_KIND[role])
    client.force_login(f.user(f"sm.{role}", role=role, org=org))
    assert _consent_page(client, _app(), "user/*.read").status_code == 403
