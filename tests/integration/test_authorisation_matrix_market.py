"""The authorisation matrix for the care market and pooled budgets: every page, form and
export × a commissioner (keeps the market), an analyst (reads it), a care coordinator (holds
budgets, sets up pools) and a GP (a clinician: neither) × with or without a legitimate
relationship with the person (a service user and pool member) × with or without the
person's refusal of the reader's organisation.

Market pages are aggregates: VIEW_AGGREGATES reads them, MANAGE_MARKET changes them, and
none names the person whatever the relationship. Pool pages are person-level: MANAGE_BUDGETS
and, for anything about the member, the record's decision (finance included); a member the
reader may not see is withheld, never named. The expected outcome is computed here from
those rules, not from the code."""

import pytest
from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.market import actions, pool_actions
from onestory.market.models import Contract, PoolMember, Provider
from tests import factories as f
from tests.integration import _market as m

pytestmark = pytest.mark.django_db

ROLES = {
    "commissioner": m.ICB,
    "analyst": m.ICB,
    "care_coordinator": m.COUNCIL,
    "gp": ("B86001", "Beech Tree Surgery", "gp_practice"),
}
READ_MARKET = {"commissioner", "analyst"}
KEEP_MARKET = {"commissioner"}
HOLD_BUDGETS = {"care_coordinator"}

MARKET_GETS = ("market", "market_csv", "provider", "service", "contract", "decommission_get")
MARKET_POSTS = ("provider_new", "contract_new", "decommission_post")
POOL_PAGES = ("pools", "pool")
POOL_POSTS = ("member_add", "consent", "exit")
ENDPOINTS = (*MARKET_GETS, *MARKET_POSTS, *POOL_PAGES, *POOL_POSTS)


def _reveals(body: str) -> list[str]:
    return [w for w in ("margaret", "oldroyd") if w in body.lower()]


def _setup(role: str, endpoint: str, related: bool, refused: bool) -> dict:
    org = f.organisation(*ROLES[role])
    user = f.user(f"matrix.{role}", role=role, org=org)
    system = Actor.system("tests")
    keeper = m.commissioner("keeper")
    service = m.service(keeper, org="")
    contract = actions.create_contract(
        service=service,
        values={"reference": "HC-1", "kind": "spot", "start": timezone.localdate()},
        by=actor_for_user(keeper),
    )
    # The person: a home care user with a budget, whose record names them.
    person, stream = m.budget_person(user, related=related)
    # Their home care is from another council (an open episode at the reader's own council
    # would itself be a relationship).
    elsewhere = f.source_record(
        f.source_system("adult_social_care", "E08000999", "Ashbridge Council"),
        given_name="Margaret",
        family_name="Oldroyd",
    )
    f.link(elsewhere, person)
    f.source_event(
        elsewhere,
        kind="service",
        category="social_care",
        start=timezone.localdate(),
        details={"service_component": "Home care"},
    )
    if refused:
        f.sharing_choice(person, org)
    pool = pool_actions.create_pool(
        name="Allotment group",
        service=service,
        period="week",
        cost_pence=80_00,
        start=timezone.localdate(),
        by=system,
    )
    ctx = {
        "user": user,
        "person": person,
        "stream": stream,
        "service": service,
        "contract": contract,
        "pool": pool,
    }
    if endpoint in ("pools", "pool", "consent", "exit"):
        ctx["member"] = pool_actions.add_member(
            pool=pool,
            stream=stream,
            share_pence=40_00,
            start=pool.start,
            consent_by="person" if endpoint != "consent" else "",
            by=system,
        )
    return ctx


def _request(client, endpoint: str, ctx: dict):
    service, pool = ctx["service"].external_id, ctx["pool"].external_id
    today = timezone.localdate().isoformat()
    match endpoint:
        case "market":
            return client.get("/market/")
        case "market_csv":
            return client.get("/market/services.csv")
        case "provider":
            return client.get(f"/market/providers/{ctx['service'].provider.external_id}/")
        case "service":
            return client.get(f"/market/services/{service}/")
        case "contract":
            return client.get(f"/market/contracts/{ctx['contract'].external_id}/")
        case "decommission_get":
            return client.get(f"/market/services/{service}/decommission/")
        case "provider_new":
            return client.post("/market/providers/new/", {"name": "New Provider"})
        case "contract_new":
            return client.post(
                f"/market/services/{service}/contracts/new/",
                {"reference": "HC-2", "kind": "spot", "start": today},
            )
        case "decommission_post":
            return client.post(
                f"/market/services/{service}/decommission/",
                {"confirm": "yes", "effective_on": today, "reason": "Replaced"},
            )
        case "pools":
            return client.get("/market/pools/")
        case "pool":
            return client.get(f"/market/pools/{pool}/")
        case "member_add":
            return client.post(
                f"/market/pools/{pool}/members/",
                {"stream": str(ctx["stream"].external_id), "share": "40", "start": today},
            )
        case "consent":
            return client.post(
                f"/market/pools/members/{ctx['member'].external_id}/consent/",
                {"consent_by": "person", "decision": "give"},
            )
        case "exit":
            return client.post(
                f"/market/pools/members/{ctx['member'].external_id}/exit/",
                {"on": today, "reason": "Moving away"},
            )
    raise AssertionError(endpoint)


MARKET_CHANGES = {
    "provider_new": lambda ctx: Provider.objects.filter(name="New Provider").exists(),
    "contract_new": lambda ctx: Contract.objects.filter(reference="HC-2").exists(),
    "decommission_post": lambda ctx: (
        not type(ctx["service"]).objects.get(pk=ctx["service"].pk).active
    ),
}
POOL_CHANGES = {
    "member_add": lambda ctx: PoolMember.objects.filter(person=ctx["person"]).exists(),
    "consent": lambda ctx: PoolMember.objects.get(pk=ctx["member"].pk).consent == "given",
    "exit": lambda ctx: PoolMember.objects.get(pk=ctx["member"].pk).end is not None,
}


@pytest.mark.parametrize("refused", [False, True], ids=["not_refused", "refused"])
@pytest.mark.parametrize("related", [True, False], ids=["related", "unrelated"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_market_authorisation_matrix(client, role, endpoint, related, refused):
    ctx = _setup(role, endpoint, related, refused)
    user, person_id = ctx["user"], str(ctx["person"].external_id)
    client.force_login(user)
    response = _request(client, endpoint, ctx)
    body = response.content.decode()
    events = AuditEvent.objects.filter(actor_id=f"user:{user.pk}")
    sees_person = related and not refused

    if endpoint in MARKET_GETS:
        assert response.status_code == (200 if role in READ_MARKET else 403)
        assert _reveals(body) == []  # aggregates only, whatever the relationship
        assert not events.filter(person_id=person_id).exists()
        if role in READ_MARKET and endpoint in ("service", "decommission_get"):
            assert "fewer than 8" in body  # one user: suppressed
        return
    if endpoint in MARKET_POSTS:
        allowed = role in KEEP_MARKET
        assert response.status_code == (302 if allowed else 403), body[:300]
        assert MARKET_CHANGES[endpoint](ctx) is allowed
        assert _reveals(body) == []
        return
    holds = role in HOLD_BUDGETS
    if endpoint in POOL_PAGES:
        if not holds:
            assert response.status_code == 403
            assert _reveals(body) == []
            return
        assert response.status_code == 200
        if sees_person:
            assert "oldroyd" in body.lower()
        else:
            assert _reveals(body) == []
            assert "not shown to you" in body  # withheld, said, not dropped
        return
    allowed = holds and sees_person
    stored = POOL_CHANGES[endpoint](ctx)
    if allowed:
        assert response.status_code == 302, body[:300]
        assert stored
        return
    assert response.status_code == 403, body[:300]
    assert _reveals(body) == []
    assert not stored
    if holds:
        (event,) = events.filter(action="record.denied", person_id=person_id)
        assert event.detail["reason"] == (
            "refused_by_person" if refused else "no_legitimate_relationship"
        )


@pytest.mark.parametrize("role", sorted(ROLES))
def test_market_portal_pages_are_the_persons_own_only(client, role):
    """`/market/me/` and its answer form: the person (or their representative) sees and
    answers only their own invitations; every staff role is sent to the portal's sign-in."""
    ctx = _setup(role, "consent", related=True, refused=False)
    member = ctx["member"]
    me_url = "/market/me/"
    answer = f"/market/me/{member.external_id}/answer/"
    client.force_login(ctx["user"])
    for response in (client.get(me_url), client.post(answer, {"decision": "give"})):
        assert response.status_code == 302 and "/me/login/" in response["Location"]
    member.refresh_from_db()
    assert member.consent == "pending"
    stranger, _ = m.budget_person(ctx["user"], family="Pickles")
    client.force_login(f.person_user(stranger, username=f"stranger.{role}"))
    assert "oldroyd" not in client.get(me_url).content.decode().lower()
    client.post(answer, {"decision": "give"})
    member.refresh_from_db()
    assert member.consent == "pending"
    client.force_login(f.person_user(ctx["person"], username=f"own.{role}"))
    assert "Allotment group" in client.get(me_url).content.decode()
    client.post(answer, {"decision": "give"})
    member.refresh_from_db()
    assert member.consent == "given"
