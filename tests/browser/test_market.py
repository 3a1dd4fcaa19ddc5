"""A commissioner opens the care market from their menu, adds a contract to a service and
previews what decommissioning the service would touch (suppressed counts, no names); a care
coordinator sets up a pool of two people's budgets for a shared service and sees the share
on one person's own budget page."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from onestory.market.models import Contract, PoolMember
from tests import factories as f
from tests.browser.menu import open_menu_entry
from tests.integration import _market as m

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _screenshot(page, name: str) -> None:
    """Set ONESTORY_SCREENSHOTS to a directory to keep a screenshot of each step."""
    directory = os.environ.get("ONESTORY_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"market-{name}.png"), full_page=True)


def _sign_in(page, base, username, lands_on):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{lands_on}")


def test_commissioner_adds_a_contract_and_previews_decommissioning(live_server, page):
    commissioner = m.commissioner("market.comm")
    service = m.service(commissioner)
    m.service_users(9, reason="Physical Support")
    base = live_server.url
    _sign_in(page, base, "market.comm", "/overview/")

    open_menu_entry(page, "Care market")
    page.wait_for_url(f"{base}/market/")
    _screenshot(page, "market")
    row = page.locator("[data-testid=service-row]", has_text="Home support")
    assert row.locator("td").last.inner_text().strip().endswith("9")
    row.get_by_role("link", name="Home support").click()

    page.get_by_text("Add a contract").click()
    page.fill("#new-reference", "HC-2026-07")
    page.select_option("#new-kind", "framework")
    page.fill("#new-start", "2026-04-01")
    page.fill("#new-end", "2029-03-31")
    page.check("#new-flex-worker")
    page.get_by_role("button", name="Add the contract").click()
    assert "Contract added." in page.inner_text("[data-testid=mk-done]")
    flexibility = page.inner_text("[data-testid=flexibility]")
    assert "Yes: Who gives it (the person's choice of worker)" in flexibility
    assert Contract.objects.get().reference == "HC-2026-07"

    page.get_by_role("link", name="Back to Home support").click()
    page.get_by_test_id("decommission-link").click()
    assert "People using this service on" in page.inner_text("[data-testid=impact-people]")
    assert "9" in page.inner_text("[data-testid=impact-people]")
    _screenshot(page, "decommission")
    # 9 people with one support reason: shown; no one is named.
    assert "Physical Support" in page.inner_text("[data-testid=impact-reasons]")
    assert "Uma" not in page.content()
    # Deciding needs the impact read and confirmed: without it, nothing is recorded.
    page.fill("#effective_on", "2027-03-31")
    page.fill("#reason", "Replaced by the new framework")
    page.get_by_role("button", name="Decommission the service").click()
    assert "Confirm that you have read" in page.inner_text("[data-testid=mk-error]")
    service.refresh_from_db()
    assert service.active


def test_care_coordinator_sets_up_a_pool_of_two_people(live_server, page):
    cc = m.coordinator("pool.cc")
    m.service(
        m.commissioner("pool.comm"),
        name="Allotment group",
        service_type="micro_enterprise",
        record_code="",
    )
    first, first_stream = m.budget_person(cc, family="Oldroyd")
    _, second_stream = m.budget_person(cc, family="Pickles")
    today = timezone.localdate().isoformat()
    base = live_server.url
    _sign_in(page, base, "pool.cc", "/")

    page.get_by_role("link", name="Pooled budgets").first.click()
    page.wait_for_url(f"{base}/market/pools/")
    page.fill("#pool-name", "Thursday allotment group")
    page.select_option(
        "#pool-service", label="Allotment group (Ashbridge Home Care Ltd, Micro-enterprise)"
    )
    page.select_option("#pool-period", "week")
    page.fill("#pool-cost", "80.00")
    page.fill("#pool-start", today)
    page.get_by_role("button", name="Set up the pool").click()
    assert "Pool set up" in page.inner_text("[data-testid=mk-done]")

    for stream, consent_by, agreement in (
        (first_stream, "person", ""),
        (second_stream, "on_behalf", "Said yes at the group taster session today"),
    ):
        page.select_option("#member-stream", str(stream.external_id))
        page.fill("#member-share", "40.00")
        page.select_option("#member-consent-by", consent_by)
        page.fill("#member-agreement", agreement)
        page.get_by_role("button", name="Add the member").click()
        assert "Member added." in page.inner_text("[data-testid=mk-done]")

    _screenshot(page, "pool")
    members = page.locator("[data-testid=pool-member]")
    assert members.count() == 2
    assert "the cost is covered" in page.inner_text("[data-testid=pool-balance]")
    assert PoolMember.objects.filter(consent="given").count() == 2

    page.get_by_role("link", name="Margaret Oldroyd").click()
    page.wait_for_url(f"{base}/people/{first.external_id}/budget/")
    assert "Pooled with others: Thursday allotment group" in page.content()
