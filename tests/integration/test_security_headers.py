"""Security headers: HSTS behind a TLS-ending proxy (only when told the proxy is there) and a
Content-Security-Policy on every page, with a fresh nonce on every inline script."""

import re
import runpy
from pathlib import Path

import pytest
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.planning import actions as plan_actions
from tests import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "onestory" / "settings.py"
SECURITY = ("SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "SECURE_REFERRER_POLICY")


def _production_settings(monkeypatch, **env) -> dict:
    """The settings module as production would load it, with these environment variables."""
    monkeypatch.setenv("ONESTORY_ENV", "production")
    monkeypatch.setenv("ONESTORY_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("ONESTORY_ALLOWED_HOSTS", "onestory.example")
    monkeypatch.delenv("ONESTORY_BEHIND_TLS_PROXY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def _apply(settings, loaded: dict) -> None:
    for name in SECURITY:
        setattr(settings, name, loaded.get(name))
    settings.SECURE_HSTS_SECONDS = loaded.get("SECURE_HSTS_SECONDS", 0)


def test_hsts_sent_behind_a_tls_proxy_when_configured(client, settings, monkeypatch):
    _apply(settings, _production_settings(monkeypatch, ONESTORY_BEHIND_TLS_PROXY="1"))
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_not_sent_for_plain_http_through_the_proxy(client, settings, monkeypatch):
    _apply(settings, _production_settings(monkeypatch, ONESTORY_BEHIND_TLS_PROXY="1"))
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="http")
    assert "Strict-Transport-Security" not in response


def test_forwarded_proto_ignored_unless_behind_a_proxy(client, settings, monkeypatch):
    """Without the opt-in a client cannot pass plain HTTP off as HTTPS with the header."""
    loaded = _production_settings(monkeypatch)
    assert "SECURE_PROXY_SSL_HEADER" not in loaded
    _apply(settings, loaded)
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in response


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()
    }


_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def _inline_scripts(html: str) -> list[str]:
    """The attributes of every <script> that runs code written into the page."""
    return [
        attrs
        for attrs in _SCRIPT.findall(html)
        if "src=" not in attrs and "application/json" not in attrs
    ]


@pytest.fixture
def pages(client):
    person = f.rich_person()
    cara = f.user("cara", role="care_coordinator", org=f.organisation("E08000035", "Council"))
    f.care_team(person, cara)
    plan_actions.create_plan(person, by=actor_for_user(cara))
    pid = person.external_id
    staff_pages = [
        reverse("search"),
        reverse("person", args=[pid]),
        reverse("person-timeline", args=[pid]),
        reverse("plan", args=[pid]),
        reverse("person-budget", args=[pid]),
        reverse("who-pays")
        + "?capital=1000&property=0&weekly_income=200&weekly_cost=900&age=80&weeks=52",
        reverse("mdt-worklist"),
        reverse("plan-compare", args=[pid]) + "?a=abc&b=1",  # the 400 page
        "/no-such-page/",  # the 404 page
    ]
    return cara, f.person_user(person, "maggie"), staff_pages


def test_csp_on_every_page_with_a_nonce_on_every_inline_script(client, pages):
    cara, maggie, staff_pages = pages
    seen = []
    client.force_login(cara)
    for url in staff_pages:
        seen.append((url, client.get(url)))
    client.logout()
    seen.append((reverse("login"), client.get(reverse("login"))))
    client.force_login(maggie)
    for name in ("portal-home", "portal-plan", "portal-budget", "portal-sharing"):
        seen.append((name, client.get(reverse(name))))
    nonces = []
    for url, response in seen:
        assert response.status_code in {200, 400, 404}, url
        policy = _csp(response)
        assert policy["default-src"] == "'self'", url
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", url
        # The nonce is in the header only when the page used it (Django's LazyNonce).
        script_src = re.fullmatch(r"'self'(?: 'nonce-([\w+/=-]+)')?", policy["script-src"])
        assert script_src, (url, policy["script-src"])
        nonce = script_src.group(1)
        for attrs in _inline_scripts(response.content.decode()):
            assert nonce and f'nonce="{nonce}"' in attrs, (url, attrs)
        if nonce:
            nonces.append(nonce)
    assert len(set(nonces)) == len(nonces)  # a fresh nonce for every response


def test_csp_is_not_weakened_for_scripts():
    from django.conf import settings

    assert "'unsafe-inline'" not in settings.SECURE_CSP["script-src"]
    assert "'unsafe-eval'" not in settings.SECURE_CSP["script-src"]


def test_every_inline_script_in_the_templates_carries_the_nonce():
    """A new inline <script> without the nonce would be blocked by the browser."""
    missing = []
    for template in (ROOT / "onestory").rglob("templates/**/*.html"):
        for attrs in _inline_scripts(template.read_text()):
            if 'nonce="{{ csp_nonce }}"' not in attrs:
                missing.append(f"{template.relative_to(ROOT)}: <script{attrs}>")
    assert not missing, missing
