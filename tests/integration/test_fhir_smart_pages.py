"""The SMART app registration page (ADR 0030): registering a public or confidential app,
the errors a bad form gets, and removing an app (its tokens stop at once)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from onestory.audit.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    user = f.user("admin.smart", role="administrator")
    client.force_login(user)
    return user


def test_smart_apps_form_registers_public_and_confidential_apps_and_audits(client, admin):
    public = client.post(
        "/smart/apps/", {"name": "Growth charts", "redirect_uris": "https://app.example/cb"}
    )
    assert public.status_code == 200
    body = public.content.decode()
    app = Application.objects.get(name="Growth charts")
    assert app.client_id in body and 'id="client-secret"' not in body
    assert app.client_type == "public" and app.authorization_grant_type == "authorization-code"
    confidential = client.post(
        "/smart/apps/",
        {
            "name": "Ward dashboard",
            "redirect_uris": "https://ward.example/cb\nhttp://localhost:8000/cb",
            "confidential": "yes",
        },
    )
    secret = confidential.content.decode().split('id="client-secret">')[1].split("<")[0]
    app = Application.objects.get(name="Ward dashboard")
    assert app.client_type == "confidential" and secret and app.client_secret != secret
    assert app.redirect_uris.split() == ["https://ward.example/cb", "http://localhost:8000/cb"]
    events = AuditEvent.objects.filter(action="smart.app_registered")
    assert events.count() == 2 and secret not in str(list(events.values("detail")))
    listed = client.get("/smart/apps/").content.decode()
    assert "Growth charts" in listed and "Ward dashboard" in listed and secret not in listed


def test_smart_apps_form_names_the_field_that_is_wrong(client, admin):
    no_name = client.post("/smart/apps/", {"name": " ", "redirect_uris": "https://a.example/cb"})
    assert no_name.status_code == 400 and "Enter the app&#x27;s name" in no_name.content.decode()
    plain_http = client.post(
        "/smart/apps/", {"name": "Leaky", "redirect_uris": "http://leaky.example/cb"}
    )
    assert plain_http.status_code == 400
    assert "is not an https address" in plain_http.content.decode()
    assert 'value="Leaky"' in plain_http.content.decode()  # what was typed is kept
    assert not Application.objects.exists()


def test_smart_app_remove_form_removes_the_app_and_its_tokens_stop(client, admin):
    client.post("/smart/apps/", {"name": "Old app", "redirect_uris": "https://old.example/cb"})
    app = Application.objects.get()
    gp = f.user("gp.remove", role="gp")
    AccessToken.objects.create(
        user=gp,
        application=app,
        token="t-remove",
        expires=timezone.now() + timedelta(hours=1),
        scope="user/*.read",
    )
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION="Bearer t-remove").status_code == 200
    response = client.post(f"/smart/apps/{app.pk}/remove")
    assert response.status_code == 302 and response["Location"].endswith("?done=removed")
    assert not Application.objects.exists() and not AccessToken.objects.exists()
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION="Bearer t-remove").status_code == 401
    assert AuditEvent.objects.filter(action="smart.app_removed", detail__app=app.pk).exists()
    assert client.post(f"/smart/apps/{app.pk}/remove").status_code == 404
