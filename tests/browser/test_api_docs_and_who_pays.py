"""In a real browser: the API docs render offline under a strict Content-Security-Policy,
and the who-pays chart draws one line style per policy with its legend clear of the axis
titles."""

import os

import pytest

from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Nothing from another site, no inline script, no inline style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# Plotly writes its own <style> element, so the chart page needs inline styles (never
# inline scripts).
CHART_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _with_csp(page, base: str, policy: str = CSP) -> list[str]:
    """Add CSP to every response from the live server; collect violations and requests to
    any other site."""
    problems: list[str] = []

    def add_header(route):
        response = route.fetch(max_redirects=0)
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": policy}
        )

    page.route(f"{base}/**", add_header)
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on(
        "request",
        lambda r: (
            problems.append(f"off-site: {r.url}")
            if not r.url.startswith(base) and not r.url.startswith("data:")
            else None
        ),
    )
    return problems


def _overlap(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_api_docs_render_offline_under_csp(live_server, page):
    base = live_server.url
    problems = _with_csp(page, base)
    page.goto(f"{base}/api/")
    page.wait_for_url(f"{base}/api/docs")
    page.locator(".opblock-summary-path", has_text="/api/people/{person_id}/timeline").wait_for()
    assert page.locator(".opblock").count() >= 3
    assert problems == []


def test_who_pays_chart_legend_clear_of_axis_titles_under_csp(live_server, page):
    f.user("dr.jones", role="gp")
    base = live_server.url
    problems = _with_csp(page, base, CHART_CSP)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "dr.jones")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("link", name="Who pays?").click()
    page.fill("#capital", "50000")
    page.fill("#property", "250000")
    page.fill("#weekly_income", "250")
    page.fill("#weekly_cost", "1000")
    page.get_by_role("button", name="Compare").click()
    page.locator("#who-pays-chart .legend").wait_for()
    assert page.locator("#who-pays-chart .legend .traces").count() == 3
    legend = page.locator("#who-pays-chart .legend").bounding_box()
    titles = [
        page.locator(f"#who-pays-chart .g-{axis}title").bounding_box()
        for axis in ("x", "y", "x2", "y2")
    ]
    ticks = page.locator("#who-pays-chart .ytick text, #who-pays-chart .y2tick text")
    boxes = [ticks.nth(i).bounding_box() for i in range(ticks.count())]
    for title in titles[1::2]:  # no y-axis title runs over its tick labels
        assert not any(_overlap(title, box) for box in boxes), title
    for title in titles:  # the legend covers no axis title
        assert title is not None and not _overlap(legend, title), (legend, title)
    dashes = page.locator("#who-pays-chart .scatterlayer .js-line").evaluate_all(
        "paths => paths.map(p => p.style.stroke + ' ' + (p.style.strokeDasharray || 'solid'))"
    )
    assert len(dashes) == 6 and len(set(dashes)) == 3
    if directory := os.environ.get("ONESTORY_SCREENSHOTS"):
        page.screenshot(path=f"{directory}/who-pays.png", full_page=True)
    assert problems == []
