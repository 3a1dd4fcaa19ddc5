"""An MDT in a real browser against a live server: the MDT lead (a GP) opens the worklist,
takes a person onto the caseload with a social worker as care coordinator, runs a meeting
and assigns an action to the social worker; the social worker (whose council knows the
person) signs in, sees the action in their list and completes it."""

from datetime import date, timedelta

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.casework import actions
from onestory.casework.models import CaseloadEntry, MdtAction
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def borough():
    people = f.casefinding_population(60)
    actions.run_casefinding(by=Actor.system("tests"), as_of=date(2026, 10, 31))
    practice = f.organisation("Y02101", "Ashbridge Health Centre", "gp_practice")
    council = f.organisation("E08000999", "Ashbridge Council", "adult_social_care")
    f.user("dr.lead", role="gp", org=practice)
    f.user("sw.amira", role="social_worker", org=council)
    # The council knows these people (a legitimate relationship for its staff): without it
    # the social worker's action would be withheld from her.
    for p in people:
        f.care_team(p, org=council, reason="Adult social care")
    return people


@pytest.fixture
def second_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_mdt_lead_takes_on_runs_meeting_assigns_and_social_worker_completes(
    borough, live_server, page, second_page
):
    base = live_server.url
    sign_in(page, base, "dr.lead")

    # The worklist: highest risk first, each with the reasons.
    page.get_by_role("link", name="MDT", exact=True).first.click()
    page.wait_for_selector("#mdt-home")
    page.locator("#mdt-home").get_by_role("link", name="Worklist").click()
    page.wait_for_selector("#worklist")
    first = page.locator("[data-testid=worklist-row]").first
    assert "Deficits" in first.inner_text()
    name = first.locator("strong").first.inner_text()
    first.get_by_role("link", name="Take on").click()

    # Take them on with the social worker as care coordinator.
    page.select_option(
        "#coordinator", label=page.locator("#coordinator option", has_text="sw.amira").inner_text()
    )
    page.fill("#reason", "Frailty and repeated emergency admissions")
    page.get_by_role("button", name="Add to caseload").click()
    page.wait_for_selector("#caseload")
    assert name in page.inner_text("#caseload")

    # The person's record shows their one first point of contact.
    page.get_by_role("link", name=name).click()
    assert "sw.amira" in page.inner_text("[data-testid=caseload-card]")

    # A meeting: the agenda starts with the caseload.
    page.goto(f"{base}/mdt/meetings/")
    page.fill("#meets_on-day", str(date.today().day))
    page.fill("#meets_on-month", str(date.today().month))
    page.fill("#meets_on-year", str(date.today().year))
    page.get_by_role("button", name="Create meeting and agenda").click()
    item = page.locator("[data-testid=agenda-item]").first
    assert name in item.inner_text()
    item.locator("textarea").fill("Agreed: Care Act assessment and a falls review.")
    item.get_by_role("button", name="Save discussion").click()
    item = page.locator("[data-testid=agenda-item]").first
    item.locator("input[name=description]").fill("Care Act assessment")
    item.locator("select[name=assignee]").select_option(
        label=item.locator("select[name=assignee] option", has_text="sw.amira").inner_text()
    )
    due = date.today() + timedelta(days=14)
    item.locator("input[name=due-day]").fill(str(due.day))
    item.locator("input[name=due-month]").fill(str(due.month))
    item.locator("input[name=due-year]").fill(str(due.year))
    item.get_by_role("button", name="Assign action").click()
    page.wait_for_selector("[data-testid=action]")
    assert "Care Act assessment" in page.locator("[data-testid=agenda-item]").first.inner_text()

    # The social worker sees it among their actions and completes it.
    sign_in(second_page, base, "sw.amira")
    second_page.get_by_role("link", name="My actions").click()
    row = second_page.locator("[data-testid=my-action]")
    assert "Care Act assessment" in row.inner_text() and name in row.inner_text()
    row.locator("input[name=note]").fill("Assessment booked with the family")
    row.get_by_role("button", name="Mark done").click()
    second_page.wait_for_selector("#done-actions")
    assert "Care Act assessment" in second_page.inner_text("#done-actions")

    action = MdtAction.objects.get()
    assert action.completed_by == "sw.amira"
    assert CaseloadEntry.objects.get().coordinator.user.username == "sw.amira"
    assert AuditEvent.objects.filter(action="casework.action_completed").count() == 1
