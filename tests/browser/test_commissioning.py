"""A commissioner, in a real browser: signs in, opens the commissioning page, reads the
Better Care Fund metrics and the population segments, chooses another year and downloads
the figures as CSV. No person is named anywhere on the way."""

import csv
import io

import pytest

from tests import factories as f
from tests.integration.test_commissioning import build_borough

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_commissioner_reads_the_metrics_changes_year_and_downloads_the_csv(live_server, page):
    people = build_borough()
    f.user("commissioner.demo", role="commissioner", org=f.organisation("QWO", "Ashbridge ICB"))
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "commissioner.demo")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/overview/")

    page.goto(f"{base}/commissioning/?year=2025-26")
    heading = "Better Care Fund metrics and population segments"
    assert page.get_by_role("heading", name=heading, level=1).is_visible()
    reablement = page.get_by_test_id("metric-reablement_91day_pct")
    assert "80.0" in reablement.inner_text()
    assert page.get_by_test_id("segments-total").inner_text() == "49"

    page.select_option("#year", "2024-25")
    page.get_by_role("button", name="Show this year").click()
    page.wait_for_url(f"{base}/commissioning/?year=2024-25")
    assert page.get_by_role(
        "heading", name="Better Care Fund national metrics, 2024-25"
    ).is_visible()
    assert "fewer than 8" in page.get_by_test_id("segments").inner_text()

    with page.expect_download() as download_info:
        page.get_by_test_id("csv").click()
    download = download_info.value
    assert download.suggested_filename == "commissioning-2024-25.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert {r["section"] for r in rows} == {"bcf_metric", "segment"}

    body = page.content()
    for p in people[:5]:
        assert p.links.first().record.nhs_number not in body
