"""A care coordinator builds an integrated budget — an NHS stream and a council stream,
each with a line tied to a goal in the person's plan — records spend, and the person sees
the balance and what it paid for from their own login."""

import pytest

from onestory.access.actions import create_person_account
from onestory.audit.domain.actor import Actor
from onestory.planning import actions as planning
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSON_PASSWORD = "a-long-enough-pass-phrase"


@pytest.fixture
def margaret():
    """Known to five services, with a plan holding two goals and a portal account."""
    person = f.rich_person()
    council = f.organisation("E08000035", "Leeds City Council", "adult_social_care")
    coordinator = f.user("cc.patel", role="care_coordinator", org=council)
    f.care_team(person, coordinator, reason="Care coordinator")
    system = Actor.system("tests")
    plan = planning.create_plan(person, by=system)
    planning.add_goal(plan, "I want to swim every week again", by=system)
    planning.add_goal(plan, "I want to stay living in my own home", by=system)
    create_person_account(person=person, username="margaret", password=PERSON_PASSWORD, by=system)
    return person


def _open(stream, summary: str) -> None:
    stream.locator("summary", has_text=summary).click()


def test_coordinator_builds_budget_and_person_sees_balance(margaret, live_server, page, browser):
    base = live_server.url
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    staff.set_default_timeout(20_000)
    cc = staff.new_page()
    try:
        cc.goto(f"{base}/login/")
        cc.fill("#id_username", "cc.patel")
        cc.fill("#id_password", f.PASSWORD)
        cc.get_by_role("button", name="Sign in").click()
        cc.wait_for_url(f"{base}/")

        cc.goto(f"{base}/people/{margaret.external_id}/")
        cc.get_by_role("link", name="Personal budget").click()
        cc.wait_for_url(f"{base}/people/{margaret.external_id}/budget/")

        for box, value in (("period_start", (1, 4, 2025)), ("period_end", (1, 4, 2026))):
            for part, number in zip(("day", "month", "year"), value, strict=True):
                cc.fill(f"#{box}-{part}", str(number))
        cc.get_by_role("button", name="Create budget").click()
        assert "Budget created." in cc.inner_text("[data-testid=budget-done]")

        for kind, funder, held, amount in (
            ("chc", "NHS West Yorkshire ICB", "notional", "5200"),
            ("council", "Leeds City Council", "direct_payment", "3000"),
        ):
            form = cc.locator("[data-testid=stream-form]")
            cc.locator("summary", has_text="Add a stream").click()
            form.locator("select[name=kind]").select_option(kind)
            form.locator("input[name=funder]").fill(funder)
            form.locator("select[name=held_as]").select_option(held)
            form.locator("input[name=allocated]").fill(amount)
            form.get_by_role("button", name="Add stream").click()
            cc.wait_for_selector("[data-testid=budget-done]")
        streams = cc.locator("[data-testid=stream]")
        assert streams.count() == 2

        for index, (what, goal, planned, spent) in enumerate(
            (
                ("Swimming with a support worker", "I want to swim every week again", "1040", "80"),
                ("Personal assistant", "I want to stay living in my own home", "2400", "120.50"),
            )
        ):
            stream = cc.locator("[data-testid=stream]").nth(index)
            _open(stream, "Add a line or record spend")
            line_form = stream.locator("[data-testid=line-form]")
            line_form.locator("input[name=description]").fill(what)
            line_form.locator("select[name=goal]").select_option(label=goal)
            line_form.locator("input[name=planned]").fill(planned)
            line_form.get_by_role("button", name="Add line").click()
            cc.wait_for_selector("[data-testid=budget-done]")

            stream = cc.locator("[data-testid=stream]").nth(index)
            _open(stream, "Add a line or record spend")
            spend = stream.locator("[data-testid=spend-form]")
            spend.locator("select[name=line]").select_option(label=what)
            spend.locator("input[name=description]").fill(f"{what}: April")
            spend.locator("input[name=amount]").fill(spent)
            spend.locator("input[name=on-day]").fill("30")
            spend.locator("input[name=on-month]").fill("4")
            spend.locator("input[name=on-year]").fill("2025")
            spend.get_by_role("button", name="Record spend").click()
            cc.wait_for_selector("[data-testid=budget-done]")

        lines = cc.inner_text("main")
        assert "I want to swim every week again" in lines
        # 5,200 + 3,000 − 80 − 120.50
        assert cc.inner_text("[data-testid=budget-available]") == "£7,999.50"
    finally:
        staff.close()

    page.goto(f"{base}/me/login/")
    page.fill("#username", "margaret")
    page.fill("#password", PERSON_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/me/")
    page.get_by_role("link", name="My budget").first.click()
    page.wait_for_url(f"{base}/me/budget/")
    assert page.inner_text("[data-testid=my-budget-left]") == "£7,999.50"
    paid = page.inner_text("main")
    assert "Personal assistant: April" in paid
    assert "£120.50" in paid
    assert "I want to stay living in my own home" in paid
