"""Under the Content-Security-Policy the pages still work in a real browser: the who-pays
Plotly chart draws, the person page's timeline filter swaps its results in with htmx and
keeps the filter in the page address, and the browser reports no CSP violation on the way."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def signed_in(live_server, page):
    person = f.rich_person()
    council = f.organisation("E08000035", "Leeds City Council", "adult_social_care")
    f.care_team(person, f.user("cc.patel", role="care_coordinator", org=council))
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "cc.patel")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return live_server.url, person, console


def _no_violations(page, console) -> None:
    assert page.evaluate("window.__csp") == []
    assert not [m for m in console if "Content Security Policy" in m or "pageerror" in m]


def test_who_pays_chart_draws_under_the_csp(signed_in, page):
    base, _, console = signed_in
    page.goto(
        f"{base}/who-pays/?capital=50000&property=250000&weekly_income=250"
        "&weekly_cost=1000&setting=care_home&age=80&weeks=260"
    )
    page.wait_for_selector("[data-testid=who-pays-chart] .main-svg")
    assert page.locator("[data-testid=who-pays-chart] .scatterlayer .trace").count() >= 6
    _no_violations(page, console)


def test_timeline_filter_swaps_in_with_htmx_under_the_csp(signed_in, page):
    base, person, console = signed_in
    page.goto(f"{base}/people/{person.external_id}/")
    rows = page.locator("#timeline-results tr[data-kind]")
    everything = rows.count()
    first = page.locator("#timeline input[name=system]").first
    label = page.locator(f"label[for={first.get_attribute('id')}]").inner_text()
    expected = int(label.rsplit("(", 1)[1].rstrip(")"))
    assert 0 < expected < everything
    with page.expect_response(lambda r: "/timeline/" in r.url and r.status == 200):
        first.check()
    page.wait_for_function(
        f"document.querySelectorAll('#timeline-results tr[data-kind]').length === {expected}"
    )
    # Swapped in, not a new page, and the filter is kept in the address (Back, bookmarks).
    page.wait_for_url(re.compile(r"\?system="))
    address = urlsplit(page.url)
    assert f"{address.scheme}://{address.netloc}{address.path}" == (
        f"{base}/people/{person.external_id}/"
    )
    assert parse_qs(address.query) == {"system": [first.get_attribute("value")]}
    _no_violations(page, console)
