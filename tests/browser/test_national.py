"""A national analyst compares places in a real browser: opens the funnel plot for an
indicator, narrows it to partnerships with pooled budgets, and downloads the table."""

import pytest

from onestory.audit.domain.actor import Actor
from onestory.national import actions
from onestory.national.domain.published import Indicator
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _published():
    rows = []
    for p in ("P01", "P02", "P03"):
        for n in range(1, 5):
            events = 90 + 7 * n + (60 if (p, n) == ("P03", 2) else 0)
            for quarter in ("2025Q2", "2025Q3"):
                rows.append(
                    Indicator(
                        p, f"{p}L0{n}", quarter, "emergency_admissions", events, 8000 + 500 * n
                    )
                )
    system = Actor.system("tests")
    actions.load_published(rows, source="test", by=system)
    for p, budget in (("P01", "pooled"), ("P02", "aligned"), ("P03", "pooled")):
        actions.record_model(
            partnership=p,
            from_quarter="2024Q1",
            budget=budget,
            mdt="none",
            shared_records=False,
            reason="first record",
            by=system,
        )


def test_national_analyst_filters_the_funnel_by_model_and_downloads_the_table(live_server, page):
    _published()
    f.user("national.a", role="national_analyst", org=f.organisation("X26", "National team"))
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "national.a")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/national/")
    page.wait_for_selector("#funnel-chart .main-svg")  # Plotly drew it
    assert page.locator("[data-testid=league-table] tbody tr").count() == 12
    assert "P03L02" in page.inner_text("[data-testid=league-table]")

    page.select_option("#budget", "pooled")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**budget=pooled**")
    table = page.inner_text("[data-testid=league-table]")
    assert page.locator("[data-testid=league-table] tbody tr").count() == 8
    assert "P02L01" not in table and "Pooled" in table
    assert "with pooled budgets" in page.inner_text("[data-testid=national-value]")

    with page.expect_download() as download:
        page.get_by_test_id("download-csv").click()
    content = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert content[0].startswith("place,partnership,budget_model")
    assert len(content) == 9 and all(",pooled," in line for line in content[1:])
