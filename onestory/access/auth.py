"""Sign-in with lockout: after LOCKOUT_FAILURES failed sign-ins for one username within
LOCKOUT_WINDOW, that username cannot sign in (even with the right password) until the window
has passed. Failures, lockouts and refusals while locked are audited, by a hash of the
username typed, never the username or password itself."""

import hashlib
import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)


def _digest(value: str) -> str:
    # Keyed with the secret so that the stored hashes cannot be reversed by guessing
    # usernames against a plain SHA-256.
    return hashlib.sha256(f"{settings.SECRET_KEY}|{value}".encode()).hexdigest()


def username_hash(username: str) -> str:
    return _digest((username or "").strip().lower())


def _client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "") or ""


def _anonymous(key: str, request) -> Actor:
    channel = "api" if request is not None and request.path.startswith("/api/") else "page"
    return Actor(id=f"login:{key[:12]}", label=f"sign-in {key[:12]}", channel=channel)


def recent_failures(username: str) -> int:
    """Failed sign-ins for this username within the lockout window."""
    from onestory.access.models import FailedLogin

    since = timezone.now() - LOCKOUT_WINDOW
    return FailedLogin.objects.filter(username_hash=username_hash(username), at__gte=since).count()


def is_locked(username: str) -> bool:
    return recent_failures(username) >= LOCKOUT_FAILURES


def locked_for(username: str) -> timedelta | None:
    """How much longer this username stays locked, or None when it is not locked. The lock
    lifts when the oldest of the last LOCKOUT_FAILURES failures leaves the window."""
    from onestory.access.models import FailedLogin

    now = timezone.now()
    times = list(
        FailedLogin.objects.filter(
            username_hash=username_hash(username), at__gte=now - LOCKOUT_WINDOW
        )
        .order_by("-at")
        .values_list("at", flat=True)[:LOCKOUT_FAILURES]
    )
    if len(times) < LOCKOUT_FAILURES:
        return None
    return max(times[-1] + LOCKOUT_WINDOW - now, timedelta(0))


def lock_message(left: timedelta) -> str:
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    return (
        "There have been too many attempts to sign in with this username, so it is locked "
        f"for now. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


class LockoutAwareLoginForm(AuthenticationForm):
    """Django's sign-in form, saying when a username is locked (and for how long) instead
    of "username or password is not right". Lockout is per username typed, whether or not
    the account exists, so the message reveals nothing about which usernames exist."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username or password is not right. Check them and try again.",
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            left = locked_for(self.cleaned_data.get("username") or "")
            if left is not None:
                raise ValidationError(lock_message(left), code="locked") from None
            raise


class LockoutBackend(ModelBackend):
    """Django's username/password check, refusing locked usernames and counting failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field(), "")
        if username is None or password is None:
            return None
        key = username_hash(username)
        if is_locked(username):
            with transaction.atomic():
                record_event(
                    by=_anonymous(key, request),
                    action="access.login_refused_locked",
                    detail={"username_hash": key},
                )
            # PermissionDenied stops Django trying any other backend.
            raise PermissionDenied("This account is locked for a while after failed sign-ins.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            self._record_failure(key, request)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD

    @staticmethod
    def _record_failure(key: str, request) -> None:
        from onestory.access.models import FailedLogin

        now = timezone.now()
        with transaction.atomic():
            FailedLogin.objects.create(
                username_hash=key, at=now, ip_hash=_digest(_client_ip(request))
            )
            count = FailedLogin.objects.filter(
                username_hash=key, at__gte=now - LOCKOUT_WINDOW
            ).count()
            record_event(
                by=_anonymous(key, request),
                action="access.lockout" if count == LOCKOUT_FAILURES else "access.login_failed",
                detail={"username_hash": key, "failures": count},
            )
