"""An analyst, in a real browser: opens the initiative register, finds the MDT scheme,
runs an evaluation of it against comparator localities, reads the report (the estimate,
its interval and the plain-English reading, the Plotly chart drawn) and downloads the
report as a PDF. No person is named on the way."""

import pytest
from pypdf import PdfReader

from onestory.audit.domain.actor import Actor
from tests import factories as f
from tests.browser.menu import open_menu_entry
from tests.initiatives_world import build_world, mdt_scheme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_evaluates_an_mdt_scheme_and_downloads_the_report(live_server, page):
    world = build_world()
    mdt_scheme(Actor(id="system:tests", label="tests", role="system"))
    f.user("analyst.demo", role="analyst", org=f.organisation("QWO", "Ashbridge ICB"))
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "analyst.demo")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/overview/")

    open_menu_entry(page, "Initiatives")
    page.wait_for_url(f"{base}/initiatives/")
    page.fill("#q", "MDT")
    page.select_option("#kind", "mdt_case_management")
    page.get_by_role("button", name="Search the register").click()
    assert page.get_by_test_id("initiative-row").count() == 1
    page.get_by_role("link", name="MDT case management in L1").click()
    page.get_by_test_id("evaluate").click()

    assert "similar deprivation" in page.get_by_test_id("guidance").inner_text()
    for code in ("L2", "L3", "L4", "L5", "L6"):
        page.check(f"#comparator-{code}")
    page.uncheck("#method-sdid")
    page.get_by_test_id("run-evaluation").click()
    page.wait_for_url(f"{base}/initiatives/runs/**")

    estimate = page.get_by_test_id("estimate-scm").inner_text()
    assert "95% interval" in estimate and "placebo p-value" in estimate
    assert "What this cannot show" in page.get_by_test_id("method-did").inner_text()
    page.wait_for_selector("[data-testid=chart-gaps] .main-svg")  # Plotly drew it

    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename.startswith("evaluation-")
    assert download.suggested_filename.endswith(".pdf")
    text = " ".join(p.extract_text() for p in PdfReader(download.path()).pages)
    assert "Evaluation: MDT case management in L1" in text and "Synthetic control" in text

    body = page.content()
    for records in world["gp_records"].values():
        assert records[0].given_name not in body
