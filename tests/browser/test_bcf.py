"""A commissioner, in a real browser: signs in, sees needs by locality, finds the Better
Care Fund plan in the menu, sets up the section 75 agreement for the partnership, adds a contribution and a
scheme, records a quarter's spend, sets a target, reads the metrics beside their targets
and downloads the quarterly return. No person is named anywhere on the way."""

import io

import pytest
from openpyxl import load_workbook

from onestory.audit.domain.actor import Actor
from onestory.places.demo import create_demo_places
from tests import factories as f
from tests.integration.test_commissioning import build_borough

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dates(page, name: str, day: str, month: str, year: str) -> None:
    page.fill(f"#{name}-day", day)
    page.fill(f"#{name}-month", month)
    page.fill(f"#{name}-year", year)


def test_commissioner_sets_up_the_plan_records_spend_and_downloads_the_return(live_server, page):
    people = build_borough()
    create_demo_places(by=Actor.system("tests"))
    f.user("commissioner.demo", role="commissioner", org=f.organisation("QWO", "Ashbridge ICB"))
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "commissioner.demo")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/overview/")

    # needs by locality first: what the plan is for
    page.goto(f"{base}/commissioning/needs/")
    page.select_option("#partnership", "ASH")
    page.select_option("#locality", "ASH-N")
    page.select_option("#quarter", "2025-26 Q3")
    page.get_by_role("button", name="Show needs").click()
    page.wait_for_url("**/commissioning/needs/?partnership=ASH&locality=ASH-N&quarter=*")
    assert page.get_by_test_id("needs-total").inner_text() == "50"

    menu = page.locator('nav[aria-label="Menu"] a', has_text="Better Care Fund plan")
    assert menu.first.get_attribute("href") == "/bcf/"
    page.goto(f"{base}/bcf/")
    assert page.get_by_test_id("no-agreements").is_visible()
    page.select_option("#partnership", "ASH")
    page.get_by_role("button", name="Set up an agreement").click()

    # the agreement: pooled, hosted by the council, 2025-26 to 2026-27
    assert page.get_by_role("heading", name="Set up a section 75 agreement").is_visible()
    page.select_option("#first_year", "2025")
    page.select_option("#last_year", "2026")
    page.fill("#nhs_partner_name", "Ashbridge Integrated Care Board")
    page.check("#host-council")
    page.check("#arrangement-pooled")
    page.fill("#overspend_council_pct", "60")
    page.fill("#underspend_council_pct", "50")
    _dates(page, "starts_on", "1", "4", "2025")
    _dates(page, "ends_on", "31", "3", "2027")
    page.select_option("#status", "agreed")
    page.get_by_role("button", name="Set up the agreement").click()
    assert "Agreement set up." in page.get_by_test_id("bcf-done").inner_text()
    assert "1 April 2025 to 31 March 2027" in page.get_by_test_id("agreement").inner_text()

    # a contribution for 2025-26
    page.get_by_role("link", name="Contributions", exact=True).click()
    page.select_option("#year", "2025-26")
    page.select_option("#source", "nhs_minimum")
    page.fill("#amount", "500000")
    page.get_by_role("button", name="Save the contribution").click()
    assert "£500,000.00" in page.get_by_test_id("source-nhs_minimum").inner_text()

    # a scheme, then its first quarter's spend: 15% over plan, an alert
    page.get_by_role("link", name="Schemes", exact=True).click()
    page.get_by_role("link", name="Add a scheme").click()
    page.fill("#name", "Reablement at home")
    page.select_option("#scheme_type", "home_based_intermediate_care")
    page.select_option("#spend_area", "social_care")
    page.select_option("#lead_commissioner", "local_authority")
    page.select_option("#provider_type", "local_authority")
    page.select_option("#source", "nhs_minimum")
    for q in (1, 2, 3, 4):
        page.fill(f"#planned_q{q}", "100000")
    page.get_by_role("button", name="Add the scheme").click()
    assert "Scheme 1 added." in page.get_by_test_id("bcf-done").inner_text()
    page.select_option("#spend_quarter", "1")
    page.fill("#spend_actual", "115000")
    page.get_by_role("button", name="Record the spend").click()
    assert "Actual spend for Q1 recorded." in page.get_by_test_id("bcf-done").inner_text()
    assert "£115,000.00" in page.get_by_test_id("quarter-1").inner_text()
    assert "Variance alert" in page.get_by_test_id("scheme-variance").inner_text()

    # a target for reablement
    page.get_by_role("link", name="Back to the schemes").click()
    assert "Alert" in page.get_by_test_id("variance-1").inner_text()
    page.get_by_role("link", name="Targets", exact=True).click()
    page.select_option("#metric", "reablement_91day_pct")
    page.fill("#annual", "75")
    page.get_by_role("button", name="Save the target").click()
    assert "75.0" in page.get_by_test_id("target-reablement_91day_pct").inner_text()

    # the plan: the partnership's metrics beside their targets
    page.get_by_role("link", name="The plan", exact=True).click()
    assert page.get_by_test_id("figure-reablement_91day_pct").inner_text() == "80.0"
    assert page.get_by_test_id("status-reablement_91day_pct").inner_text() == "On track"
    assert "No target set" in page.get_by_test_id("status-falls_65plus_per_100k").inner_text()
    assert "1 variance alert" in page.get_by_test_id("alert-count").inner_text()

    with page.expect_download() as download_info:
        page.get_by_test_id("return-download").click()
    download = download_info.value
    assert download.suggested_filename == "bcf-return-ASH-2025-26-Q1.xlsx"
    with open(download.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    expenditure = list(book["Expenditure"].iter_rows(values_only=True))
    assert expenditure[1][1] == "Reablement at home" and expenditure[1][9] == 115000.0
    metrics = {r[1]: r for r in book["Metrics"].iter_rows(values_only=True)}
    assert metrics["reablement_91day_pct"][5] == 80.0
    assert metrics["reablement_91day_pct"][9] == "On track"

    body = page.content()
    for p in people[:5]:
        assert p.links.first().record.nhs_number not in body
