"""SMART App Launch beside the bearer tokens (ADR 0030): registering apps, the people a
signed-in user may hand to an app, the launch a consent makes, and what an OAuth access
token lets /fhir do. django-oauth-toolkit is the authorization server; this module holds
OneStory's rules around it. Every write is audited; the consent's list of people is a read
of names and is audited with its count."""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from onestory.access.domain.roles import Permission
from onestory.access.policy import decide, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.interop.models import SmartLaunch
from onestory.people.models import Person, PersonLink

PATIENT_SCOPES = frozenset({"patient/*.read", "patient/*.rs"})
USER_SCOPES = frozenset({"user/*.read", "user/*.rs"})
READ_SCOPES = PATIENT_SCOPES | USER_SCOPES


# ---------------------------------------------------------------------------- discovery


def endpoints(origin: str) -> dict[str, str]:
    origin = origin.rstrip("/")
    return {
        "authorize": f"{origin}/oauth/authorize",
        "token": f"{origin}/oauth/token",
        "revoke": f"{origin}/oauth/revoke",
        "manage": f"{origin}/smart/apps/",
    }


def smart_configuration(origin: str) -> dict:
    """`/.well-known/smart-configuration`: what an app needs to launch against /fhir."""
    urls = endpoints(origin)
    return {
        "authorization_endpoint": urls["authorize"],
        "token_endpoint": urls["token"],
        "revocation_endpoint": urls["revoke"],
        "management_endpoint": urls["manage"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": ["authorization_code"],
        "response_types_supported": ["code"],
        "scopes_supported": sorted(settings.SMART_SCOPES),
        "code_challenge_methods_supported": ["S256"],
        "capabilities": [
            "launch-standalone",
            "client-public",
            "client-confidential-symmetric",
            "context-standalone-patient",
            "permission-patient",
            "permission-user",
            "permission-v1",
            "permission-v2",
        ],
    }


# ---------------------------------------------------------------------------- apps


@dataclass(frozen=True)
class AppRow:
    id: int
    name: str
    client_id: str
    confidential: bool
    redirect_uris: tuple[str, ...]
    tokens: int
    created: object


def list_apps(*, by: Actor) -> tuple[AppRow, ...]:
    """Every registered app (for those who register them: `assign_roles`, as for tokens)."""
    require(by, Permission.ASSIGN_ROLES)
    apps = get_application_model().objects.order_by("name", "id")
    now = timezone.now()
    out = []
    for app in apps:
        out.append(
            AppRow(
                id=app.pk,
                name=app.name,
                client_id=app.client_id,
                confidential=app.client_type == app.CLIENT_CONFIDENTIAL,
                redirect_uris=tuple(app.redirect_uris.split()),
                tokens=app.accesstoken_set.filter(expires__gt=now).count(),
                created=app.created,
            )
        )
    return tuple(out)


def register_app(
    *, by: Actor, name: str, redirect_uris: list[str], confidential: bool
) -> tuple[object, str]:
    """A new SMART app (authorization code, PKCE). Returns the app and, for a confidential
    client, its secret: shown once, only its hash is kept."""
    require(by, Permission.ASSIGN_ROLES)
    name = name.strip()
    if not name:
        raise ValueError("Enter the app's name")
    uris = [u.strip() for u in redirect_uris if u.strip()]
    if not uris:
        raise ValueError("Enter at least one redirect address")
    for uri in uris:
        if not uri.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise ValueError(f"'{uri}' is not an https address (or http on localhost)")
    Application = get_application_model()
    secret = secrets.token_urlsafe(32) if confidential else ""
    with transaction.atomic():
        app = Application(
            name=name[:255],
            client_type=(
                Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC
            ),
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(uris),
            skip_authorization=False,
            algorithm="",
            user_id=by.user_pk,
        )
        if confidential:
            app.client_secret = secret
        app.save()
        record_event(
            by=by,
            action="smart.app_registered",
            detail={"app": app.pk, "confidential": confidential},
        )
    return app, secret


def remove_app(*, by: Actor, app_id: int) -> None:
    """Remove an app: every token it holds stops working at once."""
    require(by, Permission.ASSIGN_ROLES)
    if not 0 < app_id < 2**63:
        raise ValueError("No such app")
    with transaction.atomic():
        app = get_application_model().objects.filter(pk=app_id).first()
        if app is None:
            raise ValueError("No such app")
        app.delete()
        record_event(by=by, action="smart.app_removed", detail={"app": app_id})


# ---------------------------------------------------------------------------- consent


@dataclass(frozen=True)
class Choice:
    person_id: str  # the person's OneStory id
    name: str


def consent_people(*, by: Actor) -> tuple[Choice, ...]:
    """The people a signed-in user may hand to an app for `patient/*` scopes: their own
    record (a person, or their representative), or the people in a care team they belong
    to — each only when `decide` allows them. Audited with the count (names are shown)."""
    from onestory.access.models import CareTeamMembership, PersonAccount

    if by.role in ("person", "representative"):
        ids = list(
            PersonAccount.objects.filter(user_id=by.user_pk).values_list("person_id", flat=True)
        )
    else:
        ids = list(
            CareTeamMembership.objects.filter(
                Q(staff__user_id=by.user_pk) | Q(staff__isnull=True),
                organisation__code=by.organisation,
                ended_at__isnull=True,
            ).values_list("person_id", flat=True)
        )
    people = Person.objects.in_bulk(sorted(set(ids)))
    names = _names(list(people))
    out = [
        Choice(str(p.external_id), names.get(p.pk, "Name not recorded"))
        for p in people.values()
        if decide(by, p).allowed
    ]
    out.sort(key=lambda c: c.name)
    record_event(by=by, action="smart.consent_people", detail={"people": len(out)})
    return tuple(out)


def _names(person_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for pid, given, family in (
        PersonLink.objects.filter(run__is_current=True, person_id__in=person_ids)
        .order_by("record__system__kind", "record_id")
        .values_list("person_id", "record__given_name", "record__family_name")
    ):
        if pid not in out and (given or family):
            out[pid] = f"{given} {family}".strip()
    return out


def person_for_consent(person_id: str, *, by: Actor) -> Person:
    """The person chosen on the consent page, when they were offered to this user."""
    if person_id not in {c.person_id for c in consent_people(by=by)}:
        raise PermissionDenied("Choose one of the people listed.")
    return Person.objects.get(external_id=person_id)


def record_launch(*, by: Actor, application, code: str, person: Person | None, scopes) -> None:
    """The consent given: the authorization code's person (for patient/* scopes)."""
    with transaction.atomic():
        SmartLaunch.objects.create(
            code=code, application=application, user_id=by.user_pk, person=person
        )
        record_event(
            by=by,
            action="smart.authorised",
            person_id=str(person.external_id) if person else "",
            detail={"app": application.pk, "scopes": sorted(scopes)},
        )


# ---------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class AppAccess:
    """What an OAuth access token lets /fhir do: read only; at most one person when its
    scopes are `patient/*`."""

    user: object
    scopes: frozenset[str]
    person_pk: int | None
    app_id: int

    @property
    def patient_only(self) -> bool:
        return not (self.scopes & USER_SCOPES)


def access_for_token(raw: str) -> AppAccess | None:
    """The access an unexpired, unrevoked OAuth token gives, or None. A `patient/*` token
    whose launch named nobody gives nothing."""
    checksum = hashlib.sha256(raw.encode()).hexdigest()
    token = (
        get_access_token_model()
        .objects.select_related("user")
        .filter(token_checksum=checksum)
        .first()
    )
    if token is None or token.is_expired() or token.user is None or not token.user.is_active:
        return None
    scopes = frozenset(token.scope.split())
    if not scopes & READ_SCOPES:
        return None
    launch = SmartLaunch.objects.filter(access_token=token).values_list("person_id", flat=True)
    person_pk = next(iter(launch), None)
    access = AppAccess(token.user, scopes, person_pk, token.application_id)
    if access.patient_only and person_pk is None:
        return None
    return access
