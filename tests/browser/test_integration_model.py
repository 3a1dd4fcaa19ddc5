"""A commissioner, in a real browser: opens their partnership's integration model from the
menu, records a change through the form (first a mistake the error summary names), then
reads the new version's changes in the history and asks what the model was in a quarter."""

import pytest

from onestory.audit.domain.actor import Actor
from onestory.national import actions
from tests import factories as f
from tests.integration.test_integration_model_pages import first_version, two_partnerships

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_commissioner_records_a_change_and_reads_the_history(live_server, page):
    parts = two_partnerships()
    a = parts["PA"]["orgs"]
    actions.record_model(partnership="PA", by=Actor.system("tests"), **first_version(parts))
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "comm.pa")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/overview/")

    page.goto(f"{base}/integration-model/")
    page.wait_for_url(f"{base}/integration-model/PA/")
    assert "Aligned budgets" in page.get_by_test_id("current-model").inner_text()
    page.get_by_test_id("record-change").click()

    page.fill("#from_quarter", "2024Q3")
    page.check("#budget-pooled")
    page.get_by_role("button", name="Record the new version").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "A pooled budget needs a host" in summary.inner_text()
    assert "Say why the model changed" in summary.inner_text()

    page.select_option("#host", a["LA"].code)
    page.check(f"#sharer-{a['LA'].code}")
    page.check("#mdt-neighbourhood")
    page.fill("#reason", "Pooled under the new section 75 agreement")
    page.get_by_role("button", name="Record the new version").click()
    page.wait_for_url(f"{base}/integration-model/PA/?done=1")
    changes = page.get_by_test_id("changes-2").inner_text()
    assert "PA Borough council" in changes and "Neighbourhood MDTs" in changes
    assert (
        "Pooled under the new section 75 agreement" in page.get_by_test_id("version-2").inner_text()
    )

    page.fill("#quarter", "2024Q2")
    page.get_by_role("button", name="Show the model then").click()
    assert "Aligned budgets" in page.get_by_test_id("model-at").inner_text()
