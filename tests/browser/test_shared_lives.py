"""A scheme worker approves a carer at panel, opens a person's shortlist with its reasons,
proposes an introduction, records the trial visit and its outcome, and records the
arrangement, paid from the person's budget."""

from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.budgets import actions as budgets
from onestory.sharedlives import actions
from onestory.sharedlives.models import Arrangement
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scheme():
    person = f.rich_person()
    council = f.organisation("E08000035", "Leeds City Council", "adult_social_care")
    worker = f.user("sl.worker", role="social_worker", org=council)
    f.care_team(person, worker, reason="Shared Lives worker")
    system = Actor.system("tests")
    carer = actions.apply_carer(
        name="Ann Garden", postcode="LS12 4DE", on=date(2026, 9, 1), by=system
    )
    actions.update_carer(
        carer=carer,
        changes={"offers": {"long_term"}, "capacity": 1, "interests": {"gardening", "music"}},
        by=system,
    )
    actions.record_assessment(carer=carer, on=date(2026, 10, 1), note="Two visits", by=system)
    referral = actions.refer(
        person=person,
        details={
            "postcode": "LS12 3AB",
            "preferences": {"gardening"},
            "alternative": "Residential care",
            "alternative_weekly_pence": 1_150_00,
        },
        by=system,
    )
    budget = budgets.create_budget(
        person=person, period_start=date(2026, 4, 1), period_end=date(2027, 4, 1), by=system
    )
    budgets.add_stream(
        budget=budget, kind="council", held_as="notional", allocated_pence=30_000_00,
        funder="Leeds City Council", by=system,
    )  # fmt: skip
    return {"carer": carer, "referral": referral}


def test_scheme_worker_approves_a_carer_and_records_an_arrangement(scheme, live_server, page):
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "sl.worker")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="Shared Lives").first.click()
    page.wait_for_url(f"{base}/shared-lives/")
    page.get_by_role("link", name="Ann Garden").click()
    page.get_by_label("Approve", exact=True).check()
    page.fill("#conditions", "Review after the first placement")
    page.get_by_role("button", name="Record the panel's decision").click()
    assert "Approved by panel." in page.inner_text("[data-testid=sl-done]")
    assert page.inner_text("[data-testid=sl-carer-status]") == "Approved"

    page.get_by_role("link", name="Back to the scheme").click()
    page.get_by_role("link", name="Margaret Oldroyd").click()
    candidate = page.locator("[data-testid=sl-candidate]")
    assert candidate.count() == 1
    reasons = candidate.locator("[data-testid=sl-reason]").all_inner_texts()
    assert any(r.startswith("Shared interests: 30 of 30. Shares: gardening") for r in reasons)
    assert any(r.startswith("Travel distance:") for r in reasons)
    candidate.get_by_role("button", name="Propose an introduction to Ann Garden").click()
    assert "Introduction to Ann Garden proposed." in page.inner_text("[data-testid=sl-done]")

    page.get_by_role("button", name="Record the trial visit").click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("How it went").fill("She showed me her allotment")
    page.get_by_role("button", name="Record the outcome").click()
    assert "Trial went well" in page.inner_text("[data-testid=sl-introduction]")

    page.get_by_label("Cost a week (£)").fill("420.00")
    page.get_by_label("Paid from").select_option(
        label="Council personal budget — Leeds City Council"
    )
    page.get_by_role("button", name="Record the arrangement").click()
    assert "Arrangement agreed." in page.inner_text("[data-testid=sl-done]")
    arrangement = page.inner_text("[data-testid=sl-arrangement]")
    assert "£420.00" in arrangement and "£730.00 a week less than Residential care" in arrangement
    stored = Arrangement.objects.get()
    assert stored.carer == scheme["carer"] and stored.weekly_pence == 420_00
    assert stored.budget_stream is not None
