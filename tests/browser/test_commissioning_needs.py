"""A commissioner, in a real browser: signs in, opens the needs page from the commissioning
page, chooses a partnership, a locality and a quarter, sees people by segment and the chart
drawn (under the Content-Security-Policy, nothing from another site), and downloads the
figures as CSV. No person is named anywhere on the way."""

import csv
import io

import pytest

from onestory.audit.domain.actor import Actor
from onestory.places.demo import create_demo_places
from tests import factories as f
from tests.browser.test_api_docs_and_who_pays import CHART_CSP, _with_csp
from tests.integration.test_commissioning import build_borough

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_commissioner_chooses_a_locality_sees_segments_and_chart_and_downloads_csv(
    live_server, page
):
    people = build_borough()
    create_demo_places(by=Actor.system("tests"))
    f.user("commissioner.demo", role="commissioner", org=f.organisation("QWO", "Ashbridge ICB"))
    base = live_server.url
    problems = _with_csp(page, base, CHART_CSP)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "commissioner.demo")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/overview/")

    page.goto(f"{base}/commissioning/")
    page.get_by_test_id("needs-link").click()
    page.wait_for_url(f"{base}/commissioning/needs/")
    assert page.get_by_role("heading", name="Population needs", level=1).is_visible()

    page.select_option("#partnership", "ASH")
    page.select_option("#locality", "ASH-N")
    page.select_option("#quarter", "2025-26 Q3")
    page.get_by_role("button", name="Show needs").click()
    page.wait_for_url("**/commissioning/needs/?partnership=ASH&locality=ASH-N&quarter=*")
    assert page.get_by_test_id("needs-total").inner_text() == "50"
    frailty = page.get_by_test_id("people-frailty_dementia").inner_text()
    assert "Long decline from frailty or dementia" in frailty and "12" in frailty
    assert "not shown" in page.get_by_test_id("people-short_decline").inner_text()
    # the chart is drawn: one stacked bar series per segment
    page.locator("#chart-people .main-svg").first.wait_for()
    assert page.locator("#chart-people .legend .traces").count() == 8
    page.locator("#chart-projection .main-svg").first.wait_for()

    with page.expect_download() as download_info:
        page.get_by_test_id("needs-csv").click()
    download = download_info.value
    assert download.suggested_filename == "needs-ASH-N-2025-26-Q3.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    frailty = {
        r["locality"]: r["value"]
        for r in rows
        if r["section"] == "people_by_segment" and r["group"] == "frailty_dementia"
    }
    assert frailty == {"ASH-N": "12", "total": "12"}

    body = page.content()
    for p in people[:5]:
        assert p.links.first().record.nhs_number not in body
    assert problems == []
