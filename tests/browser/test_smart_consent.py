"""SMART App Launch in a real browser (ADR 0030): the signed-in GP opens an app's
authorization address, chooses the person on the consent page and allows; the browser is
sent back to the app with a code (under the page's Content-Security-Policy), and the app
exchanges it with its PKCE verifier (Authlib) and reads that person."""

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from onestory.interop import smart
from tests import factories as f
from tests.integration.test_fhir_smart import REDIRECT, SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_smart_consent_in_the_browser_hands_the_chosen_person_to_the_app(live_server, page):
    margaret = f.rich_person()
    gp = f.user("gp.browser", role="gp")
    f.care_team(margaret, gp)
    app, _ = smart.register_app(
        by=SYSTEM, name="Growth charts", redirect_uris=[REDIRECT], confidential=False
    )
    landed = []

    def app_callback(route):
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>App</p>")

    page.route("https://app.example/**", app_callback)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "gp.browser")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    session = OAuth2Session(
        app.client_id,
        scope="launch/patient patient/*.read",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = generate_token(48)
    url, _state = session.create_authorization_url(
        f"{live_server.url}/oauth/authorize", code_verifier=verifier
    )
    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Allow Growth charts")
    page.get_by_label("Margaret Oldroyd").check()
    page.get_by_role("button", name="Allow", exact=True).click()
    page.wait_for_url("https://app.example/**")
    assert landed and "code=" in landed[-1]
    token = session.fetch_token(
        f"{live_server.url}/oauth/token", authorization_response=landed[-1], code_verifier=verifier
    )
    assert token["patient"] == str(margaret.external_id)
    read = session.get(f"{live_server.url}/fhir/Patient/{token['patient']}")
    assert read.status_code == 200
