"""SMART App Launch (issue 19 item 5, ADR 0030), driven by a real OAuth client library
(Authlib's requests client) against the running test server: discovery, authorize →
consent (the signed-in user, through the Django test client as their browser) → token
exchange with PKCE (S256) → FHIR reads; and what must fail: a wrong verifier, "plain" or
no PKCE, scopes not served, an expired or revoked token, a patient token reading another
person, and any write."""

import html
import re
from datetime import timedelta

import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.interop import smart
from onestory.interop.actions import import_bundle
from onestory.interop.models import FhirResource, SmartLaunch
from tests import factories as f
from tests.integration.test_fhir_api import _bundle

SYSTEM = Actor.system("tests", channel="cli")
REDIRECT = "https://app.example/callback"
PATIENT_SCOPE = "launch/patient patient/*.read"


@pytest.fixture
def world(db):
    """Margaret and Norah, both in the GP's care team; Hidden, in nobody's; a public app."""
    margaret = f.rich_person()
    number = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    import_bundle(_bundle(number, observations=2), by=SYSTEM, file_name="hospital.json")
    norah = f.linked_person(f.source_record(given_name="Norah", family_name="Nextdoor"))
    hidden = f.linked_person(f.source_record(given_name="Hidden", family_name="Stranger"))
    gp = f.user("gp.smart", role="gp")
    f.care_team(margaret, gp)
    f.care_team(norah, gp)
    app, _secret = smart.register_app(
        by=SYSTEM, name="Growth charts", redirect_uris=[REDIRECT], confidential=False
    )
    return {"margaret": margaret, "norah": norah, "hidden": hidden, "gp": gp, "app": app}


_OPEN: list[OAuth2Session] = []


@pytest.fixture
def closes_sessions(live_server):
    """The app's connections are closed before the test server stops (else its threads
    close their database connections from the wrong thread, on SQLite)."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def _session(app, scope: str, method: str = "S256") -> OAuth2Session:
    session = OAuth2Session(
        app.client_id,
        scope=scope,
        redirect_uri=REDIRECT,
        code_challenge_method=method,
        token_endpoint_auth_method="none",
    )
    _OPEN.append(session)
    return session


def _hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found if name != "csrfmiddlewaretoken"}


def _consent(client, live_server, session, user, verifier, person=None, allow=True):
    """The user's browser: open the authorization address, approve on the consent page.
    Returns the address the server sends the browser back to (the app's redirect)."""
    url, _state = session.create_authorization_url(
        f"{live_server.url}/oauth/authorize", code_verifier=verifier
    )
    client.force_login(user)
    page = client.get(url.removeprefix(live_server.url))
    if page.status_code == 302:  # refused before consent: the error goes back to the app
        return page["Location"]
    assert page.status_code == 200, page.content[:300]
    data = _hidden_fields(page.content.decode())
    if allow:
        data["allow"] = "Authorize"
    if person is not None:
        data["patient"] = str(person.external_id)
    answer = client.post("/oauth/authorize", data)
    assert answer.status_code == 302, answer.content[:300]
    return answer["Location"]


def _launch(client, live_server, world, scope=PATIENT_SCOPE, person="margaret"):
    session = _session(world["app"], scope)
    verifier = generate_token(48)
    back = _consent(client, live_server, session, world["gp"], verifier, person=world.get(person))
    token = session.fetch_token(
        f"{live_server.url}/oauth/token", authorization_response=back, code_verifier=verifier
    )
    return session, token


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_standalone_launch_with_pkce_reads_the_chosen_patient(client, live_server, world):
    margaret, norah = world["margaret"], world["norah"]
    session, token = _launch(client, live_server, world)
    assert token["patient"] == str(margaret.external_id)
    assert set(token["scope"].split()) == {"launch/patient", "patient/*.read"}
    fhir = f"{live_server.url}/fhir"
    patient = session.get(f"{fhir}/Patient/{margaret.external_id}")
    assert patient.status_code == 200 and patient.json()["id"] == str(margaret.external_id)
    observations = session.get(f"{fhir}/Observation", params={"patient": token["patient"]})
    assert observations.status_code == 200 and observations.json()["total"] == 2
    # Everything the token reads is hers alone, even a search that names nobody.
    sweep = session.get(f"{fhir}/Encounter", params={"_count": 200}).json()
    people = {
        FhirResource.objects.get(resource_id=e["resource"]["id"]).record.links.get().person_id
        for e in sweep["entry"]
    }
    assert people == {margaret.pk}
    assert session.get(f"{fhir}/Patient", params={"family": "Nextdoor"}).json()["total"] == 0
    # The reads are audited as the member of staff, as any other read.
    reads = AuditEvent.objects.filter(
        actor_id=f"user:{world['gp'].pk}", action="fhir.read", person_id=str(margaret.external_id)
    )
    assert reads.exists()
    consent = AuditEvent.objects.get(action="smart.authorised")
    assert consent.person_id == str(margaret.external_id)
    # The other person the GP may see is refused to this token (403, audited).
    other = session.get(f"{fhir}/Patient/{norah.external_id}")
    assert other.status_code == 403 and other.json()["resourceType"] == "OperationOutcome"
    everything = session.get(f"{fhir}/Patient/{norah.external_id}/$everything")
    assert everything.status_code == 403
    assert (
        session.get(f"{fhir}/Observation", params={"patient": str(norah.external_id)}).status_code
        == 403
    )
    denied = AuditEvent.objects.filter(action="record.denied", person_id=str(norah.external_id))
    assert set(denied.values_list("detail__reason", flat=True)) == {"outside_app_scope"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_user_scope_reads_what_the_user_may_and_nothing_more(client, live_server, world):
    session, token = _launch(client, live_server, world, scope="user/*.read", person=None)
    assert "patient" not in token
    fhir = f"{live_server.url}/fhir"
    for person in (world["margaret"], world["norah"]):
        assert session.get(f"{fhir}/Patient/{person.external_id}").status_code == 200
    # Someone the GP has no relationship with stays refused: the token never widens access.
    assert session.get(f"{fhir}/Patient/{world['hidden'].external_id}").status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_tokens_are_read_only(client, live_server, world):
    for scope, person in ((PATIENT_SCOPE, "margaret"), ("user/*.read", None)):
        session, _token = _launch(client, live_server, world, scope=scope, person=person)
        observation = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "Weight"},
            "subject": {"reference": f"Patient/{world['margaret'].external_id}"},
        }
        fhir = f"{live_server.url}/fhir"
        created = session.post(f"{fhir}/Observation", json=observation)
        updated = session.put(f"{fhir}/Observation/smart-1", json={**observation, "id": "smart-1"})
        assert (created.status_code, updated.status_code) == (403, 403)
        assert created.json()["resourceType"] == "OperationOutcome"
    assert not FhirResource.objects.filter(content__code__text="Weight").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_wrong_verifier_is_refused(client, live_server, world):
    session = _session(world["app"], PATIENT_SCOPE)
    verifier = generate_token(48)
    back = _consent(client, live_server, session, world["gp"], verifier, world["margaret"])
    with pytest.raises(OAuthError) as refused:
        session.fetch_token(
            f"{live_server.url}/oauth/token",
            authorization_response=back,
            code_verifier=generate_token(48),
        )
    assert refused.value.error == "invalid_grant"
    assert not AccessToken.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_plain_or_missing_pkce_is_refused(client, live_server, world):
    plain = _session(world["app"], PATIENT_SCOPE, method="plain")
    back = _consent(client, live_server, plain, world["gp"], generate_token(48), world["margaret"])
    assert back.startswith(REDIRECT) and "error=invalid_request" in back and "code=" not in back
    client.force_login(world["gp"])
    without = client.get(
        "/oauth/authorize",
        {"client_id": world["app"].client_id, "response_type": "code",
         "redirect_uri": REDIRECT, "scope": PATIENT_SCOPE, "state": "s1"},
    )  # fmt: skip
    assert without.status_code == 302 and "error=invalid_request" in without["Location"]
    assert not Grant.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_scopes_not_served_are_refused(client, live_server, world):
    """Asking for more than OneStory serves (writes, system access) is refused outright:
    the app gets an error, never a token."""
    for scope in ("patient/*.write", "system/*.read", "patient/*.read user/*.write"):
        session = _session(world["app"], scope)
        back = _consent(
            client, live_server, session, world["gp"], generate_token(48), world["margaret"]
        )
        assert "error=invalid_scope" in back, scope
    assert not Grant.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_patient_scope_needs_a_person_the_user_may_see(client, live_server, world):
    """The consent page offers only people the user may see; sending another person's id
    (or none) is refused with a message, and no code is given."""
    session = _session(world["app"], PATIENT_SCOPE)
    url, _ = session.create_authorization_url(
        f"{live_server.url}/oauth/authorize", code_verifier=generate_token(48)
    )
    client.force_login(world["gp"])
    response = client.get(url.removeprefix(live_server.url))
    # The form may send the browser on to the app's own redirect address, and only there.
    assert "form-action 'self' https://app.example;" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert "Margaret" in page and "Norah" in page and "Hidden" not in page
    data = {**_hidden_fields(page), "allow": "Authorize"}
    for person in ("", str(world["hidden"].external_id)):
        answer = client.post("/oauth/authorize", {**data, "patient": person})
        assert answer.status_code == 200
        assert "Choose the person this app may read about" in answer.content.decode()
    assert not Grant.objects.exists() and not SmartLaunch.objects.exists()
    refused = client.post("/oauth/authorize", _hidden_fields(page))  # "Do not allow"
    assert "error=access_denied" in refused["Location"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_expired_and_revoked_tokens_are_refused(client, live_server, world):
    session, token = _launch(client, live_server, world)
    path = f"{live_server.url}/fhir/Patient/{world['margaret'].external_id}"
    assert session.get(path).status_code == 200
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    expired = session.get(path)
    assert expired.status_code == 401 and expired.json()["resourceType"] == "OperationOutcome"
    session, token = _launch(client, live_server, world)
    assert session.get(path).status_code == 200
    revoked = session.revoke_token(f"{live_server.url}/oauth/revoke", token=token["access_token"])
    assert revoked.status_code == 200
    assert session.get(path).status_code == 401


@pytest.mark.django_db
def test_smart_configuration_and_capability_statement_name_the_endpoints(client):
    for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
        config = client.get(path).json()
        assert config["authorization_endpoint"] == "http://testserver/oauth/authorize"
        assert config["token_endpoint"] == "http://testserver/oauth/token"
        assert config["code_challenge_methods_supported"] == ["S256"]
        assert {"patient/*.read", "user/*.read", "launch/patient"} <= set(
            config["scopes_supported"]
        )
        assert "launch-standalone" in config["capabilities"]
    security = client.get("/fhir/metadata").json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    (uris,) = security["extension"]
    assert uris["url"].endswith("/oauth-uris")
    assert {e["url"]: e["valueUri"] for e in uris["extension"]}["token"] == (
        "http://testserver/oauth/token"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("closes_sessions")
def test_smart_refreshed_token_keeps_its_person_and_its_limits(client, live_server, world):
    session, token = _launch(client, live_server, world)
    fresh = session.refresh_token(f"{live_server.url}/oauth/token")
    assert fresh["access_token"] != token["access_token"]
    assert fresh["patient"] == str(world["margaret"].external_id)
    fhir = f"{live_server.url}/fhir"
    assert session.get(f"{fhir}/Patient/{world['margaret'].external_id}").status_code == 200
    assert session.get(f"{fhir}/Patient/{world['norah'].external_id}").status_code == 403
    # The rotated refresh token cannot be used again.
    session.token = {**fresh, "refresh_token": token["refresh_token"]}
    with pytest.raises(OAuthError):
        session.refresh_token(f"{live_server.url}/oauth/token")
