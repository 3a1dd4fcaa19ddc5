"""The authorisation matrix for Shared Lives: every page and form × a role that runs the
scheme (social worker), a direct-care role that does not (GP) and a commissioner × with or
without a legitimate relationship with the person referred × with or without the person's
refusal of the reader's organisation.

Pages about a person ask the record's decision: a deny is a 403 revealing nothing and
audited as record.denied. The scheme page lists only people the reader may see; the others
are counted as withheld, never dropped silently. Carer pages hold no one's record: the
permission to run the scheme is enough. The cost page is aggregates only. The expected
outcome is computed here from those rules, not from the code."""

from datetime import date

import pytest
from django.utils import timezone

from onestory.access.models import OrganisationKind, SharingChoice
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.sharedlives import actions
from onestory.sharedlives.models import Carer, Introduction, Referral
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = {
    "social_worker": OrganisationKind.ADULT_SOCIAL_CARE,
    "gp": OrganisationKind.GP_PRACTICE,
    "commissioner": OrganisationKind.COMMISSIONER,
}
SCHEME_ROLES = {"social_worker"}
AGGREGATE_ROLES = {"social_worker", "commissioner"}

ONE_PERSON = ("refer_get", "refer_post", "referral_page", "introduce")
CARER = ("carer_page", "carer_new", "carer_action")
ENDPOINTS = ("scheme_page", "costs", *CARER, *ONE_PERSON)


def _reveals(body: str, nhs: str) -> list[str]:
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    found = [w for w in ("margaret", "oldroyd", "maggie") if w in body.lower()]
    return found + [n for n in (nhs, spaced) if n in body]


def _setup(role: str, endpoint: str, related: bool, refused: bool):
    margaret = f.rich_person()
    nhs = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    org = f.organisation(f"M-{role}", f"Matrix {role}", ROLES[role])
    user = f.user(f"matrix.{role}", role=role, org=org)
    if related:
        f.care_team(margaret, user, reason="Matrix: in the care team")
    if refused:
        f.sharing_choice(margaret, org, decision="refuse")
    system = Actor(id="system", label="tests", role="system")
    carer = actions.apply_carer(
        name="Ann Carer", postcode="LS12 4DE", on=date(2026, 1, 5), by=system
    )
    actions.update_carer(carer=carer, changes={"offers": {"long_term"}}, by=system)
    actions.record_assessment(carer=carer, on=date(2026, 2, 1), note="ok", by=system)
    actions.panel_decision(carer=carer, approve=True, conditions="", on=date(2026, 3, 1), by=system)
    ctx = {"person": margaret, "nhs": nhs, "user": user, "carer": carer}
    if endpoint not in ("refer_get", "refer_post"):
        ctx["referral"] = actions.refer(
            person=margaret, details={"postcode": "LS12 3AB"}, by=system
        )
    return ctx


def _request(client, endpoint: str, ctx: dict):
    pid = ctx["person"].external_id
    carer = ctx["carer"].external_id
    if endpoint == "scheme_page":
        return client.get("/shared-lives/")
    if endpoint == "costs":
        return client.get("/shared-lives/costs/")
    if endpoint == "carer_page":
        return client.get(f"/shared-lives/carers/{carer}/")
    if endpoint == "carer_new":
        return client.post("/shared-lives/carers/new/", {"name": "New One", "postcode": "LS12 1AA"})
    if endpoint == "carer_action":
        return client.post(
            f"/shared-lives/carers/{carer}/action/", {"action": "review", "note": "Fine"}
        )
    if endpoint == "refer_get":
        return client.get(f"/shared-lives/people/{pid}/refer/")
    if endpoint == "refer_post":
        return client.post(f"/shared-lives/people/{pid}/refer/", {"postcode": "LS12 3AB"})
    referral = ctx["referral"].external_id
    if endpoint == "referral_page":
        return client.get(f"/shared-lives/referrals/{referral}/")
    return client.post(
        f"/shared-lives/referrals/{referral}/action/", {"action": "introduce", "carer": str(carer)}
    )


CHANGES = {
    "refer_post": ("sharedlives.referred", lambda ctx: Referral.objects.exists()),
    "introduce": ("sharedlives.introduction_proposed", lambda ctx: Introduction.objects.exists()),
    "carer_new": (
        "sharedlives.carer_applied",
        lambda ctx: Carer.objects.filter(name="New One").exists(),
    ),
    "carer_action": (
        "sharedlives.carer_reviewed",
        lambda ctx: ctx["carer"].steps.filter(kind="reviewed").exists(),
    ),
}


@pytest.mark.parametrize("refused", [False, True], ids=["not_refused", "refused"])
@pytest.mark.parametrize("related", [True, False], ids=["related", "unrelated"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_sharedlives_authorisation_matrix(client, role, endpoint, related, refused):
    ctx = _setup(role, endpoint, related, refused)
    user, nhs, person_id = ctx["user"], ctx["nhs"], str(ctx["person"].external_id)
    client.force_login(user)
    response = _request(client, endpoint, ctx)
    body = response.content.decode()
    events = AuditEvent.objects.filter(actor_id=f"user:{user.pk}")
    sees_person = related and not refused
    runs_scheme = role in SCHEME_ROLES
    denied = events.filter(action="record.denied", person_id=person_id)

    if endpoint == "costs":
        assert response.status_code == (200 if role in AGGREGATE_ROLES else 403)
        assert _reveals(body, nhs) == []
        assert events.filter(action="sharedlives.costs_viewed").exists() == (
            role in AGGREGATE_ROLES
        )
        return
    if endpoint == "scheme_page":
        if not runs_scheme:
            assert response.status_code == 403
            assert _reveals(body, nhs) == []
            return
        assert response.status_code == 200
        (event,) = events.filter(action="sharedlives.scheme_viewed")
        assert event.person_id == ""
        assert event.detail["withheld"] == (0 if sees_person else 1)
        if sees_person:
            assert "oldroyd" in body.lower()
        else:
            assert _reveals(body, nhs) == []
            assert "Withheld: 1" in body  # said, not silently dropped
        return
    if endpoint in CARER:
        expected = (200 if endpoint == "carer_page" else 302) if runs_scheme else 403
        assert response.status_code == expected
        if endpoint in CHANGES:
            action, stored = CHANGES[endpoint]
            assert stored(ctx) == runs_scheme
            assert events.filter(action=action).exists() == runs_scheme
        return

    allowed = runs_scheme and sees_person
    if allowed:
        assert response.status_code in (200, 302), body[:300]
        assert not denied.exists()
        if endpoint in CHANGES:
            action, stored = CHANGES[endpoint]
            assert stored(ctx)
            assert events.filter(action=action, person_id=person_id).count() == 1
        else:
            assert "oldroyd" in body.lower()
        return
    assert response.status_code == 403, body[:300]
    assert _reveals(body, nhs) == []
    (event,) = denied
    assert event.detail["attempted"].startswith("sharedlives.")
    assert event.detail["reason"] == (
        "role_not_permitted"
        if not runs_scheme
        else "refused_by_person"
        if refused
        else "no_legitimate_relationship"
    )
    if endpoint in CHANGES:
        action, stored = CHANGES[endpoint]
        assert not events.filter(action=action).exists()
        if endpoint == "introduce":
            assert not stored(ctx)


def test_matrix_refusal_is_of_the_readers_organisation_only(client):
    """A refusal of another organisation changes nothing for this reader."""
    ctx = _setup("social_worker", "referral_page", related=True, refused=False)
    SharingChoice.objects.create(
        person=ctx["person"],
        organisation=f.organisation("OTHER", "Another council"),
        category="",
        decision="refuse",
        set_at=timezone.now(),
        set_by="tests",
        set_by_kind="self",
    )
    client.force_login(ctx["user"])
    assert _request(client, "referral_page", ctx).status_code == 200
