"""Every care market and pooled budget form submitted through the Django client as its page
submits it: valid input (what is stored and the audit event), invalid input (the error
shown, nothing stored) and someone not allowed (403, nothing stored)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.budgets.models import LedgerEntry
from onestory.market import actions, pool_actions
from onestory.market.models import Contract, Pool, PoolMember, Provider, Service
from tests import factories as f
from tests.integration import _market as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner():
    return m.commissioner()


@pytest.fixture
def analyst():
    return m.analyst()


@pytest.fixture
def service(commissioner):
    return m.service(commissioner)


def _events(user, action):
    return AuditEvent.objects.filter(actor_id=f"user:{user.pk}", action=action)


def _post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


def _page(client, url) -> str:
    return client.get(url).content.decode()


# --- the market (commissioners)


def test_market_provider_new_form_adds_the_provider_and_audits(client, commissioner, analyst):
    url = reverse("market-provider-new")
    response = _post(client, commissioner, url, {"name": "Elm House", "code": "1-1010"})
    provider = Provider.objects.get(name="Elm House")
    assert response.status_code == 302 and provider.code == "1-1010"
    assert _events(commissioner, "market.provider_created").count() == 1
    _post(client, commissioner, url, {"name": "  "})
    assert "Enter the provider" in _page(client, reverse("market"))
    assert Provider.objects.count() == 1
    assert _post(client, analyst, url, {"name": "Nope"}).status_code == 403
    assert Provider.objects.count() == 1


def test_market_provider_edit_form_saves_and_audits(client, commissioner, analyst, service):
    provider = service.provider
    url = reverse("market-provider-edit", args=[provider.external_id])
    _post(client, commissioner, url, {"name": "Ashbridge Care Ltd", "code": "x1"})
    provider.refresh_from_db()
    assert (provider.name, provider.code) == ("Ashbridge Care Ltd", "X1")
    (event,) = _events(commissioner, "market.provider_updated")
    assert event.detail["changed"] == ["code", "name"]
    _post(client, commissioner, url, {"name": ""})
    assert "Enter the provider" in _page(
        client, reverse("market-provider", args=[provider.external_id])
    )
    assert _post(client, analyst, url, {"name": "Nope"}).status_code == 403
    provider.refresh_from_db()
    assert provider.name == "Ashbridge Care Ltd"


SERVICE = {
    "name": "Day opportunities",
    "service_type": "day_opportunities",
    "capacity": "30",
    "vacancies": "4",
    "unit_price": "68.00",
    "unit": "day",
    "record_code": "Day care",
}


def test_market_service_new_form_adds_the_service_and_audits(
    client, commissioner, analyst, service
):
    provider = service.provider
    url = reverse("market-service-new", args=[provider.external_id])
    response = _post(client, commissioner, url, SERVICE)
    added = Service.objects.get(name="Day opportunities")
    assert response.status_code == 302
    assert (added.capacity, added.vacancies, added.unit_price_pence) == (30, 4, 68_00)
    assert _events(commissioner, "market.service_created").count() == 2  # with the fixture's
    _post(client, commissioner, url, {**SERVICE, "name": "Too full", "vacancies": "31"})
    assert "more vacancies than places" in _page(
        client, reverse("market-provider", args=[provider.external_id])
    )
    _post(client, commissioner, url, {**SERVICE, "name": "Bad price", "unit_price": "lots"})
    assert "in pounds" in _page(client, reverse("market-provider", args=[provider.external_id]))
    assert _post(client, analyst, url, SERVICE).status_code == 403
    assert Service.objects.count() == 2


def test_market_service_edit_form_saves_places_and_audits(client, commissioner, analyst, service):
    url = reverse("market-service-edit", args=[service.external_id])
    page = reverse("market-service", args=[service.external_id])
    values = {**SERVICE, "name": "Home support", "service_type": "home_care", "vacancies": "2"}
    _post(client, commissioner, url, values)
    service.refresh_from_db()
    assert service.vacancies == 2 and service.record_code == "Day care"
    (event,) = _events(commissioner, "market.service_updated")
    assert "vacancies" in event.detail["changed"]
    _post(client, commissioner, url, {**values, "service_type": "spaceship"})
    assert "Choose the type of service" in _page(client, page)
    assert _post(client, analyst, url, {**values, "vacancies": "0"}).status_code == 403
    service.refresh_from_db()
    assert service.vacancies == 2


CONTRACT = {
    "reference": "HC-2026-01",
    "kind": "framework",
    "start": "2026-04-01",
    "end": "2029-03-31",
    "value": "",
    "volume": "",
    "flexibility": ["timing", "tasks", "worker"],
    "flexibility_note": "Worker chosen by the person",
}


def test_market_contract_new_form_adds_the_contract_and_audits(
    client, commissioner, analyst, service
):
    url = reverse("market-contract-new", args=[service.external_id])
    response = _post(client, commissioner, url, CONTRACT)
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert contract.flexibility == ["timing", "tasks", "worker"]
    assert _events(commissioner, "market.contract_created").count() == 1
    page = reverse("market-service", args=[service.external_id])
    _post(client, commissioner, url, {**CONTRACT, "kind": "block", "reference": "B"})
    assert "needs the volume" in _page(client, page)
    _post(client, commissioner, url, {**CONTRACT, "start": "1 April"})
    assert "as a date" in _page(client, page)
    assert _post(client, analyst, url, CONTRACT).status_code == 403
    assert Contract.objects.count() == 1


def test_market_contract_edit_form_changes_what_may_be_varied_and_audits(
    client, commissioner, analyst, service
):
    contract = actions.create_contract(
        service=service,
        values={"reference": "HC-1", "kind": "spot", "start": timezone.localdate()},
        by=actor_for_user(commissioner),
    )
    url = reverse("market-contract-edit", args=[contract.external_id])
    page = reverse("market-contract", args=[contract.external_id])
    values = {**CONTRACT, "kind": "spot", "flexibility": ["timing", "hours", "banking"]}
    _post(client, commissioner, url, values)
    contract.refresh_from_db()
    assert contract.flexibility == ["timing", "hours", "banking"]
    assert _events(commissioner, "market.contract_updated").count() == 1
    _post(client, commissioner, url, {**values, "flexibility": ["banking"]})
    assert "Saving unused hours needs" in _page(client, page)
    assert _post(client, analyst, url, {**values, "flexibility": []}).status_code == 403
    contract.refresh_from_db()
    assert contract.flexibility == ["timing", "hours", "banking"]
    # The page checks a plan's wished-for changes against it.
    body = client.get(page, {"wanted": ["hours", "worker"]}).content.decode()
    assert "Allowed: How many hours a week" in body
    assert "Needs a contract variation: Who gives it" in body


def test_market_decommission_form_shows_the_impact_then_records_the_decision(
    client, commissioner, analyst, service
):
    m.service_users(9)
    url = reverse("market-decommission", args=[service.external_id])
    client.force_login(commissioner)
    body = client.get(url).content.decode()
    assert "People using this service on" in body and "<strong>9</strong>" in body
    assert _events(commissioner, "market.decommission_previewed").count() == 1
    # Without confirming: an error, nothing decided.
    response = client.post(url, {"effective_on": "2026-12-31", "reason": "Replaced"})
    assert response.status_code == 400 and "Confirm that you have read" in response.content.decode()
    service.refresh_from_db()
    assert service.active
    assert (
        _post(
            client, analyst, url, {"confirm": "yes", "effective_on": "2026-12-31", "reason": "x"}
        ).status_code
        == 403
    )
    service.refresh_from_db()
    assert service.active
    response = _post(
        client,
        commissioner,
        url,
        {"confirm": "yes", "effective_on": "2026-12-31", "reason": "Replaced by the framework"},
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert not service.active and service.decommission_reason == "Replaced by the framework"
    (event,) = _events(commissioner, "market.service_decommissioned")
    assert event.detail["people_shown"] == 9


# --- pools (care coordinators)


@pytest.fixture
def cc():
    return m.coordinator()


@pytest.fixture
def pool(cc, commissioner):
    return pool_actions.create_pool(
        name="Allotment group",
        service=m.service(commissioner, record_code="", name="Allotment group"),
        period="week",
        cost_pence=80_00,
        start=timezone.localdate(),
        by=actor_for_user(cc),
    )


def test_market_pool_new_form_sets_up_the_pool_and_audits(client, cc, commissioner, service):
    url = reverse("market-pool-new")
    data = {
        "name": "Thursday club",
        "service": str(service.external_id),
        "period": "month",
        "cost": "360.00",
        "start": timezone.localdate().isoformat(),
    }
    response = _post(client, cc, url, data)
    pool = Pool.objects.get()
    assert response.status_code == 302 and pool.cost_pence == 360_00 and pool.period == "month"
    assert _events(cc, "market.pool_created").count() == 1
    _post(client, cc, url, {**data, "cost": "0"})
    assert "costs each period" in _page(client, reverse("market-pools"))
    _post(client, cc, url, {**data, "service": "not-a-uuid"})
    assert "Choose the service" in _page(client, reverse("market-pools"))
    assert _post(client, commissioner, url, data).status_code == 403
    assert Pool.objects.count() == 1


def test_market_pool_member_add_form_adds_with_consent_and_commits_the_share(client, cc, pool):
    person, stream = m.budget_person(cc)
    url = reverse("market-pool-member-add", args=[pool.external_id])
    data = {
        "stream": str(stream.external_id),
        "share": "40.00",
        "start": pool.start.isoformat(),
        "consent_by": "person",
        "agreement": "",
    }
    page = reverse("market-pool", args=[pool.external_id])
    _post(client, cc, url, {**data, "share": "0"})
    assert "share for each period" in _page(client, page)
    assert not PoolMember.objects.exists()
    response = _post(client, cc, url, data)
    member = PoolMember.objects.get()
    assert response.status_code == 302 and member.consent == "given"
    assert LedgerEntry.objects.get(line=member.line).kind == "planned"
    assert _events(cc, "market.pool_member_added").count() == 1
    body = _page(client, page)
    assert "Margaret Oldroyd" in body and "£40.00 a week" in body
    # The share is on the person's own budget page.
    budget = client.get(reverse("person-budget", args=[person.external_id])).content.decode()
    assert "Pooled with others: Allotment group" in budget


def test_market_pool_member_add_form_refuses_someone_the_user_may_not_see(client, cc, pool):
    _, stream = m.budget_person(cc, related=False)
    url = reverse("market-pool-member-add", args=[pool.external_id])
    response = _post(
        client,
        cc,
        url,
        {"stream": str(stream.external_id), "share": "40", "start": pool.start.isoformat()},
    )
    assert response.status_code == 403
    assert not PoolMember.objects.exists()


def test_market_pool_consent_form_records_consent_on_behalf_and_audits(client, cc, pool):
    _, stream = m.budget_person(cc)
    member = pool_actions.add_member(
        pool=pool, stream=stream, share_pence=40_00, start=pool.start, by=actor_for_user(cc)
    )
    url = reverse("market-pool-consent", args=[member.external_id])
    page = reverse("market-pool", args=[pool.external_id])
    _post(client, cc, url, {"consent_by": "on_behalf", "agreement": "yes", "decision": "give"})
    assert "stated agreement" in _page(client, page)
    member.refresh_from_db()
    assert member.consent == "pending"
    agreement = "Told me on the phone on Monday she wants to join"
    _post(client, cc, url, {"consent_by": "on_behalf", "agreement": agreement, "decision": "give"})
    member.refresh_from_db()
    assert member.consent == "given" and member.consent_note == agreement
    assert member.line is not None
    assert _events(cc, "market.pool_consent_recorded").count() == 1
    other = m.coordinator("stranger")
    response = _post(client, other, url, {"consent_by": "person", "decision": "give"})
    assert response.status_code == 403


def test_market_pool_exit_form_stops_the_share_and_audits(client, cc, pool):
    _, stream = m.budget_person(cc)
    member = pool_actions.add_member(
        pool=pool,
        stream=stream,
        share_pence=40_00,
        start=pool.start,
        consent_by="person",
        by=actor_for_user(cc),
    )
    url = reverse("market-pool-exit", args=[member.external_id])
    page = reverse("market-pool", args=[pool.external_id])
    on = (pool.start + timedelta(weeks=2)).isoformat()
    _post(client, cc, url, {"on": on, "reason": ""})
    assert "Say why" in _page(client, page)
    other = m.coordinator("stranger")
    assert _post(client, other, url, {"on": on, "reason": "x"}).status_code == 403
    member.refresh_from_db()
    assert member.end is None
    _post(client, cc, url, {"on": on, "reason": "Prefers the Tuesday group"})
    member.refresh_from_db()
    assert member.end.isoformat() == on
    member.line.refresh_from_db()
    assert member.line.planned_pence == 2 * 40_00
    assert _events(cc, "market.pool_member_left").count() == 1


# --- the person's own answer (portal)


def test_market_my_answer_form_lets_the_person_agree_and_commits_their_share(client, cc, pool):
    person, stream = m.budget_person(cc)
    member = pool_actions.add_member(
        pool=pool, stream=stream, share_pence=40_00, start=pool.start, by=actor_for_user(cc)
    )
    me = f.person_user(person, username="margaret")
    client.force_login(me)
    budget_page = client.get(reverse("portal-budget")).content.decode()
    assert reverse("market-my-pools") in budget_page
    page = client.get(reverse("market-my-pools")).content.decode()
    assert "Allotment group" in page and "£40.00 a week" in page
    url = reverse("market-my-answer", args=[member.external_id])
    response = client.post(url, {"decision": "give"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.consent == "given" and member.consent_by == "person"
    assert LedgerEntry.objects.get(line=member.line).kind == "planned"
    (event,) = _events(me, "market.pool_consent_recorded")
    assert event.person_id == str(person.external_id)
    # Answering twice is an error shown on the page, nothing changes.
    client.post(url, {"decision": "decline"})
    assert "already been recorded" in _page(client, reverse("market-my-pools"))
    member.refresh_from_db()
    assert member.consent == "given"
    # Someone else's invitation is not theirs to answer.
    other, other_stream = m.budget_person(cc, family="Pickles")
    theirs = pool_actions.add_member(
        pool=pool, stream=other_stream, share_pence=40_00, start=pool.start, by=actor_for_user(cc)
    )
    client.post(reverse("market-my-answer", args=[theirs.external_id]), {"decision": "give"})
    theirs.refresh_from_db()
    assert theirs.consent == "pending"
    assert "not yours" in _page(client, reverse("market-my-pools"))
    # Staff are sent to the portal's sign-in, never answer as the person.
    client.force_login(cc)
    assert client.post(url, {"decision": "decline"}).status_code == 302
    member.refresh_from_db()
    assert member.consent == "given"


def test_market_my_answer_representative_declines_for_the_person(client, cc, pool):
    person, stream = m.budget_person(cc)
    member = pool_actions.add_member(
        pool=pool, stream=stream, share_pence=40_00, start=pool.start, by=actor_for_user(cc)
    )
    rep = f.person_user(person, username="paul", acting_as="representative", name="Paul Oldroyd")
    client.force_login(rep)
    client.post(reverse("market-my-answer", args=[member.external_id]), {"decision": "decline"})
    member.refresh_from_db()
    assert member.consent == "declined" and member.line is None
    assert not LedgerEntry.objects.exists()
