"""Every demo role, in a real browser against a live server: signs in, lands on the page
made for its role, is offered exactly its menu, and no link in that menu or on the landing
page answers 403 or 404 (each fetched with the page's own session).

Set ONESTORY_SCREENSHOTS to a directory to keep a screenshot of each landing page."""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests import factories as f
from tests.integration.test_landing import STAFF, _borough, _staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARE_MENU = ["Find a person", "Plan reviews", "My actions", "Who pays?"]
LEAD_MENU = ["Find a person", "Plan reviews", "MDT", "My actions", "Who pays?"]
AGGREGATES_MENU = [
    "Partnership overview",
    "Plans in people's own words",
    "Better Care Fund metrics",
    "Better Care Fund plan",
    "Integration model",
    "Care market",
    "Indicators",
    "Initiatives",
    "Who pays?",
]
# role: (landing path, menu labels in order, a heading on the landing page)
EXPECTED = {
    "gp": ("/", LEAD_MENU, "Find a person"),
    "nurse": ("/", CARE_MENU, "Find a person"),
    "social_worker": ("/", [*CARE_MENU, "Shared Lives", "Pooled budgets"], "Find a person"),
    "care_coordinator": ("/", [*LEAD_MENU, "Shared Lives", "Pooled budgets"], "Find a person"),
    "mental_health_worker": ("/", CARE_MENU, "Find a person"),
    "housing_officer": ("/", CARE_MENU, "Find a person"),
    "voluntary_worker": ("/", CARE_MENU, "Find a person"),
    "data_quality_officer": (
        "/identity/review/",
        [
            "Find a person",
            "My actions",
            "Linkage review",
            "Imports",
            "Import problems",
            "Background jobs",
        ],
        None,
    ),
    "commissioner": ("/overview/", AGGREGATES_MENU, "Partnership overview"),
    "analyst": ("/overview/", AGGREGATES_MENU, "Partnership overview"),
    "national_analyst": ("/national/", ["Places compared", "Integration models"], None),
    "privacy_lead": ("/privacy/break-glass/", ["Access reviews"], None),
    "administrator": (
        "/admin/staff/",
        ["Imports", "Import problems", "Background jobs", "Staff"],
        None,
    ),
}
PERSON_MENU = [
    "My record",
    "My plan",
    "Who can see my record",
    "Who has looked at my record",
    "My budget",
]


def _menu(page) -> list[str]:
    return [
        t.strip()
        for t in page.locator(
            'nav[aria-label="Menu"] a.nhsuk-header__navigation-link'
        ).all_inner_texts()
    ]


def _links(page, base: str) -> set[str]:
    """Every same-site link on the page (menu, content and footer), without fragments."""
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    host = urlparse(base).netloc
    return {h.split("#")[0] for h in hrefs if urlparse(h).netloc == host and h.split("#")[0]}


def _assert_links_open(page, base: str) -> None:
    links = _links(page, base)
    assert links
    for href in sorted(links):
        response = page.request.get(href)
        assert response.status not in (403, 404), (href, response.status)
        assert response.ok, (href, response.status)


def _screenshot(page, name: str) -> None:
    directory = os.environ.get("ONESTORY_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"landing-{name}.png"), full_page=True)


@pytest.mark.parametrize("username, role, kind", STAFF, ids=[s[1] for s in STAFF])
def test_each_role_lands_on_its_page_with_only_its_menu(live_server, page, username, role, kind):
    _borough()
    _staff(username, role, kind)
    base = live_server.url
    landing, menu, heading = EXPECTED[role]
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{landing}")
    if heading:
        assert page.get_by_role("heading", name=heading, level=1).is_visible()
    assert _menu(page) == menu
    _screenshot(page, role)
    _assert_links_open(page, base)
    # The logo leads back to the same landing page.
    page.locator("a.nhsuk-header__service-logo").click()
    page.wait_for_url(f"{base}{landing}")


def test_person_lands_on_their_record_with_the_portal_menu(live_server, page):
    person = f.rich_person()
    f.person_user(person, username="margaret")
    base = live_server.url
    page.goto(f"{base}/me/login/")
    page.fill("#username", "margaret")
    page.fill("#password", f.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/me/")
    assert _menu(page) == PERSON_MENU
    _assert_links_open(page, base)
    # `/` is the staff search: a person is sent back to their own record.
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/me/")
