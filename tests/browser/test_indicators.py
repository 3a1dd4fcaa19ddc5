"""An analyst, in a real browser: signs in, opens Indicators from the menu, chooses the
falls indicator, reads it by locality and quarter and downloads the figures as CSV. No
person is named anywhere on the way."""

import csv
import io

import pytest

from tests import factories as f
from tests.browser.menu import open_menu_entry
from tests.integration.test_commissioning import build_borough
from tests.integration.test_indicators import place_borough

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_opens_indicators_chooses_falls_and_downloads_the_csv(live_server, page):
    people = build_borough()
    place_borough()
    f.user("analyst.demo", role="analyst", org=f.organisation("QWO", "Ashbridge ICB"))
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "analyst.demo")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/overview/")

    open_menu_entry(page, "Indicators")
    page.wait_for_url(f"{base}/evaluation/indicators/")
    assert page.get_by_role("heading", name="Indicators by locality and quarter").is_visible()
    page.select_option("#indicator", "falls_65plus")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/evaluation/indicators/?indicator=falls_65plus**")
    assert page.get_by_role(
        "heading", name="Emergency admissions due to falls, 65 and over, per 100,000"
    ).is_visible()
    assert "6,410.3" in page.get_by_test_id("cell-P01L01-2025Q2").inner_text()
    assert "medically-fit" in page.get_by_test_id("not-computable").inner_text()

    with page.expect_download() as download_info:
        page.get_by_test_id("csv").click()
    download = download_info.value
    assert download.suggested_filename == "indicators-falls_65plus.csv"
    text = open(download.path(), encoding="utf-8").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    (june,) = [r for r in rows if r["quarter"] == "2025Q2"]
    assert june["numerator"] == "10" and june["suppressed"] == "no"

    body = page.content() + text
    for p in people[:5]:
        assert p.links.first().record.nhs_number not in body
