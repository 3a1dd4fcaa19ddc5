"""Budget pages: the coordinator's page, the who-pays chart page, and "My budget"."""

from datetime import date

import pytest
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.budgets import actions
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return f.person()


@pytest.fixture
def coordinator_user(person):
    u = f.user(
        role="care_coordinator", org=f.organisation("E08000035", "Council", "adult_social_care")
    )
    f.care_team(person, u)
    return u


def _boxes(name, day, month, year):
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def test_budget_page_date_without_a_year_names_the_field(client, person, coordinator_user):
    client.force_login(coordinator_user)
    url = reverse("person-budget-action", args=[person.external_id])
    client.post(
        url,
        {
            "action": "create",
            **_boxes("period_start", 1, 4, ""),
            **_boxes("period_end", 1, 4, 2026),
        },
    )
    html = client.get(reverse("person-budget", args=[person.external_id])).content.decode()
    assert "The start date must include a year" in html
    assert not person.budgets.exists()


def test_budget_page_builds_budget_through_forms(client, person, coordinator_user):
    client.force_login(coordinator_user)
    url = reverse("person-budget-action", args=[person.external_id])
    client.post(
        url,
        {
            "action": "create",
            **_boxes("period_start", 1, 4, 2025),
            **_boxes("period_end", 1, 4, 2026),
        },
    )
    budget = person.budgets.get()
    client.post(
        url,
        {
            "action": "stream",
            "budget": budget.external_id,
            "kind": "s117",
            "held_as": "notional",
            "funder": "NHS ICB",
            "allocated": "5200",
        },
    )
    stream = budget.streams.get()
    client.post(
        url,
        {
            "action": "line",
            "stream": stream.external_id,
            "description": "Day centre",
            "planned": "1200",
        },
    )
    client.post(
        url,
        {
            "action": "spend",
            "stream": stream.external_id,
            "kind": "invoice",
            "amount": "150.25",
            **_boxes("on", 1, 5, 2025),
            "description": "May",
        },
    )
    html = client.get(reverse("person-budget", args=[person.external_id])).content.decode()
    assert "Section 117 after-care" in html
    assert "£5,049.75" in html  # 5,200 − 150.25


def test_budget_page_shows_a_form_error(client, person, coordinator_user):
    client.force_login(coordinator_user)
    url = reverse("person-budget-action", args=[person.external_id])
    client.post(
        url,
        {
            "action": "create",
            **_boxes("period_start", 1, 4, 2025),
            **_boxes("period_end", 1, 3, 2025),
        },
    )
    html = client.get(reverse("person-budget", args=[person.external_id])).content.decode()
    assert "must end after it starts" in html


def test_budget_page_refused_to_gp(client, person):
    gp = f.user(role="gp", org=f.organisation("B86001", "Surgery", "gp_practice"))
    f.care_team(person, gp)
    client.force_login(gp)
    assert client.get(reverse("person-budget", args=[person.external_id])).status_code == 403


def test_who_pays_page_compares_three_scenarios(client, coordinator_user):
    client.force_login(coordinator_user)
    response = client.get(
        reverse("who-pays"),
        {
            "capital": "50000",
            "property": "250000",
            "weekly_income": "250",
            "weekly_cost": "1000",
            "setting": "care_home",
            "age": "80",
            "weeks": "520",
        },
    )
    html = response.content.decode()
    assert 'data-testid="scenario-cap2021"' in html
    assert "£190,000.00" in html  # cap2021 person total over 10 years
    assert 'id="who-pays-figure"' in html
    assert reverse("plotly-js") in html


def test_plotly_js_is_served_locally(client):
    response = client.get(reverse("plotly-js"))
    assert response.status_code == 200
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()


def test_my_budget_shows_balance_to_the_person(client, person, coordinator_user):
    by = actor_for_user(coordinator_user)
    budget = actions.create_budget(
        person=person, period_start=date(2025, 4, 1), period_end=date(2026, 4, 1), by=by
    )
    stream = actions.add_stream(
        budget=budget,
        kind="council",
        held_as="direct_payment",
        allocated_pence=3_000_00,
        funder="Council",
        by=by,
    )
    actions.record_spend(
        stream=stream,
        kind="payment",
        amount_pence=250_00,
        on=date(2025, 4, 10),
        description="Gym membership",
        by=by,
    )
    client.force_login(f.person_user(person))
    html = client.get(reverse("portal-budget")).content.decode()
    assert "£2,750.00" in html
    assert "Gym membership" in html


def test_record_page_links_to_budget_for_finance_roles(client):
    person = f.rich_person()
    coordinator_user = f.user(
        role="care_coordinator", org=f.organisation("E08000035", "Council", "adult_social_care")
    )
    f.care_team(person, coordinator_user)
    client.force_login(coordinator_user)
    html = client.get(reverse("person", args=[person.external_id])).content.decode()
    assert reverse("person-budget", args=[person.external_id]) in html


def test_portal_menu_offers_my_budget(client, person):
    client.force_login(f.person_user(person))
    html = client.get(reverse("portal-sharing")).content.decode()
    assert f'href="{reverse("portal-budget")}"' in html


def test_who_pays_is_in_the_menu_for_roles_that_may_use_it(client, coordinator_user):
    link = f'href="{reverse("who-pays")}"'
    client.force_login(coordinator_user)
    assert link in client.get(reverse("search")).content.decode()
    housing = f.user(role="housing_officer", org=f.organisation("H1", "Housing", "housing"))
    client.force_login(housing)
    assert link in client.get(reverse("search")).content.decode()
    privacy = f.user(role="privacy_lead", org=f.organisation("H1", "Housing", "housing"))
    client.force_login(privacy)
    assert link not in client.get(reverse("break-glass-queue")).content.decode()
