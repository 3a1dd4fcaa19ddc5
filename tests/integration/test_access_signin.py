"""Sign-in hygiene: password policy, lockout after five failures in fifteen minutes (audited),
a thirty-minute idle session, secure cookies in production."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone

from onestory.access.auth import LOCKOUT_FAILURES, username_hash
from onestory.access.models import FailedLogin
from onestory.audit.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def _clock(monkeypatch, at):
    monkeypatch.setattr(timezone, "now", lambda: at)


def _fail(client, username="dr.lock", times=1):
    for _ in range(times):
        assert not client.login(username=username, password="wrong-password-here")


@pytest.mark.parametrize(
    "password",
    ["short-pass1", "password1234", "123456789012345", "lockwood.smith1"],
    ids=["too_short", "common", "numeric", "like_username"],
)
def test_password_policy_refuses_weak_passwords(password):
    user = f.user("dr.lockwood.smith")
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, user)


def test_password_policy_accepts_a_long_passphrase():
    password_validation.validate_password("river-lantern-oak-seventeen", f.user("dr.lock"))


def test_lockout_after_five_failures_even_with_the_right_password(client):
    f.user("dr.lock")
    _fail(client, times=LOCKOUT_FAILURES)
    assert not client.login(username="dr.lock", password=f.PASSWORD)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["access.login_failed"] * 4 + [
        "access.lockout",
        "access.login_refused_locked",
    ]
    flat = str(list(AuditEvent.objects.values_list("actor_label", "detail")))
    assert "dr.lock" not in flat and "wrong-password-here" not in flat
    assert set(FailedLogin.objects.values_list("username_hash", flat=True)) == {
        username_hash("dr.lock")
    }


def test_four_failures_then_the_right_password_signs_in(client):
    f.user("dr.lock")
    _fail(client, times=LOCKOUT_FAILURES - 1)
    assert client.login(username="dr.lock", password=f.PASSWORD)


def test_lockout_is_per_username(client):
    f.user("dr.lock")
    f.user("dr.other")
    _fail(client, times=LOCKOUT_FAILURES)
    assert client.login(username="dr.other", password=f.PASSWORD)


def test_lockout_lifts_after_fifteen_minutes(client, monkeypatch):
    f.user("dr.lock")
    start = timezone.now()
    _clock(monkeypatch, start)
    _fail(client, times=LOCKOUT_FAILURES)
    _clock(monkeypatch, start + timedelta(minutes=14))
    assert not client.login(username="dr.lock", password=f.PASSWORD)
    _clock(monkeypatch, start + timedelta(minutes=15, seconds=1))
    assert client.login(username="dr.lock", password=f.PASSWORD)


def test_login_page_shows_no_sign_in_for_a_locked_account(client):
    f.user("dr.lock")
    _fail(client, times=LOCKOUT_FAILURES)
    response = client.post("/login/", {"username": "dr.lock", "password": f.PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect into the service
    assert "_auth_user_id" not in client.session


def test_session_ends_after_thirty_idle_minutes_and_renews_on_each_request():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True


def test_cookies_secure_only_in_production(monkeypatch):
    import importlib

    import onestory.settings as module

    monkeypatch.setenv("ONESTORY_ENV", "production")
    monkeypatch.setenv("ONESTORY_SECRET_KEY", "a-production-secret-for-this-test-only")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("ONESTORY_ALLOWED_HOSTS", "onestory.example")
    try:
        prod = importlib.reload(module)
        assert prod.SESSION_COOKIE_SECURE and prod.CSRF_COOKIE_SECURE
        assert prod.SECURE_HSTS_SECONDS > 0
    finally:
        monkeypatch.setenv("ONESTORY_ENV", "test")
        test = importlib.reload(module)
    assert not test.SESSION_COOKIE_SECURE


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import onestory.settings as module

    monkeypatch.setenv("ONESTORY_ENV", "production")
    monkeypatch.delenv("ONESTORY_SECRET_KEY", raising=False)
    try:
        with pytest.raises(ImproperlyConfigured, match="ONESTORY_SECRET_KEY"):
            importlib.reload(module)
    finally:
        monkeypatch.setenv("ONESTORY_ENV", "test")
        importlib.reload(module)


def test_session_expires_when_idle(client, monkeypatch):
    user = f.user("dr.idle", role="gp")
    client.force_login(user)
    assert client.get("/").status_code == 200
    session = client.session
    expiry = session.get_expiry_date()
    assert timedelta(minutes=29) < expiry - timezone.now() <= timedelta(minutes=30)


def test_sign_in_page_says_a_locked_account_is_locked_and_for_how_long(client, monkeypatch):
    from django.urls import reverse

    f.user("dr.lock")
    start = timezone.now()
    _clock(monkeypatch, start)
    url = reverse("login")
    wrong = client.post(url, {"username": "dr.lock", "password": "wrong-password-here"})
    assert "Your username or password is not right" in wrong.content.decode()
    _fail(client, times=LOCKOUT_FAILURES - 1)
    _clock(monkeypatch, start + timedelta(minutes=5))
    # The right password, while locked: say so, and when to try again (15 - 5 minutes).
    locked = client.post(url, {"username": "dr.lock", "password": f.PASSWORD}).content.decode()
    assert "too many attempts to sign in with this username" in locked
    assert "Try again in 10 minutes." in locked
    assert "Your username or password is not right" not in locked
    _clock(monkeypatch, start + timedelta(minutes=15, seconds=1))
    response = client.post(url, {"username": "dr.lock", "password": f.PASSWORD})
    assert response.status_code == 302
