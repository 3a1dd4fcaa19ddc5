"""The person decides who sees their record, in a real browser against a live server: the
person signs in to the portal and refuses sharing with their GP practice; a GP there could
open the record before, and now can neither open it nor find the person in search; the
person then sees the refused attempt in "Who has looked at my record"."""

import pytest

from onestory.access.actions import create_person_account
from onestory.audit.domain.actor import Actor
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSON_PASSWORD = "a-long-enough-pass-phrase"


@pytest.fixture
def margaret():
    """Known to five services, registered at Beech Tree Surgery, with a portal account."""
    person = f.rich_person()
    for code, name, kind in (
        ("B86001", "Beech Tree Surgery", "gp_practice"),
        ("RR8", "Leeds Teaching Hospitals", "acute_trust"),
        ("RGD", "Leeds and York Partnership", "mental_health_trust"),
        ("E08000035", "Leeds City Council", "adult_social_care"),
        ("H001", "Leeds Housing", "housing"),
    ):
        f.organisation(code, name, kind)
    create_person_account(
        person=person, username="margaret", password=PERSON_PASSWORD, by=Actor.system("tests")
    )
    return person


@pytest.fixture
def gp_page(browser):
    """A second browser context (its own cookies) for the member of staff."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def staff_sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def search_oldroyd(page, base: str) -> None:
    page.goto(f"{base}/?name=Oldroyd")
    page.wait_for_selector("#results")


def test_person_refuses_gp_practice_then_gp_is_stopped_and_person_sees_it(
    margaret, live_server, page, gp_page, tmp_path
):
    base = live_server.url
    record_url = f"{base}/people/{margaret.external_id}/"
    f.user("dr.jones", role="gp", org=f.organisation("B86001"))

    # Before: the GP at her practice finds her and opens her record.
    staff_sign_in(gp_page, base, "dr.jones")
    search_oldroyd(gp_page, base)
    assert gp_page.locator(f"a[href='/people/{margaret.external_id}/']").count() == 1
    assert "You have access" in gp_page.inner_text("main")
    response = gp_page.goto(record_url)
    assert response.status == 200
    assert gp_page.get_by_role("heading", name="Margaret Oldroyd").is_visible()

    # The person signs in and refuses sharing with Beech Tree Surgery.
    page.goto(f"{base}/me/login/")
    page.fill("#username", "margaret")
    page.fill("#password", PERSON_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/me/")
    assert page.get_by_role("heading", name="Margaret Oldroyd").is_visible()
    page.get_by_role("link", name="Who can see my record").first.click()
    page.wait_for_url(f"{base}/me/sharing/")
    page.locator("label[for='org-b86001-refuse']").click()
    assert page.locator("#org-b86001-refuse").is_checked()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url(f"{base}/me/sharing/?saved=1")
    assert "Your choices have been saved" in page.inner_text("[data-testid=saved]")
    assert page.locator("#org-b86001-refuse").is_checked()

    # After: the GP cannot open the record, and search does not show she exists.
    response = gp_page.goto(record_url)
    assert response.status == 403
    main = gp_page.inner_text("main")
    assert "You do not have access to this record" in main
    assert "Oldroyd" not in gp_page.content()
    search_oldroyd(gp_page, base)
    assert "No people found" in gp_page.inner_text("#results")
    assert gp_page.locator(f"a[href='/people/{margaret.external_id}/']").count() == 0

    # The person sees the refused attempt in her access log.
    page.get_by_role("link", name="Who has looked at my record").first.click()
    page.wait_for_url(f"{base}/me/access-log/")
    refused = page.locator("#access-log tr[data-refused='true']")
    assert refused.count() >= 1
    row = refused.first.inner_text()
    page.screenshot(path=tmp_path / "access-log.png", full_page=True)
    assert "dr.jones" in row
    assert "GP" in row and "Beech Tree Surgery" in row
    assert "Stopped" in row
