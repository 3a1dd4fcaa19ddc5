"""Co-production of a care and support plan in a real browser: a social worker drafts
"I" statements; the person signs in to the portal, confirms two and rewrites one; the GP
then sees the plan with each statement marked with whose words it is."""

import pytest

from onestory.access.actions import create_person_account
from onestory.audit.domain.actor import Actor
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSON_PASSWORD = "a-long-enough-pass-phrase"
DRAFTS = {
    "about_me": "I was a seamstress for forty years.",
    "matters": "My cat Bramble matters most to me.",
    "support_me": "I need help to get washed in the morning.",
    "contingency": "If I fall I press my pendant alarm.",
}
REWRITE = "I like help with washing my back, after nine o'clock."


@pytest.fixture
def people():
    margaret = f.rich_person()
    council = f.organisation("E08000035", "Leeds City Council", "adult_social_care")
    surgery = f.organisation("B86001", "Beech Tree Surgery", "gp_practice")
    sw = f.user("sam.patel", role="social_worker", org=council, first_name="Sam", last_name="Patel")
    f.care_team(margaret, sw, reason="Allocated social worker")
    f.user("dr.jones", role="gp", org=surgery)
    create_person_account(
        person=margaret, username="margaret", password=PERSON_PASSWORD, by=Actor.system("tests")
    )
    return margaret


@pytest.fixture
def second_page(browser):
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


def statement(page, text: str):
    return page.locator("li[data-testid=statement]", has_text=text)


def test_social_worker_drafts_person_confirms_two_rewrites_one_gp_sees_marks(
    people, live_server, page, second_page
):
    base = live_server.url
    plan_url = f"{base}/people/{people.external_id}/plan/"

    # The social worker starts the plan from the record page's card and drafts statements.
    staff_sign_in(page, base, "sam.patel")
    page.goto(f"{base}/people/{people.external_id}/")
    page.locator("#care-plan").get_by_role("link", name="Care and support plan").click()
    page.wait_for_url(plan_url)
    page.get_by_role("button", name="Start the plan").click()
    for code, text in DRAFTS.items():
        section = page.locator(f"#section-{code}")
        section.locator("summary").first.click()
        section.locator(f"#propose-{code}").fill(text)
        section.get_by_role("button", name="Save draft statement").click()
        page.wait_for_url(plan_url)
        mark = statement(page, text).get_by_test_id("mark")
        assert mark.inner_text() == "Draft by Sam Patel (Social worker) — not yet confirmed"
    assert "0 in Margaret Oldroyd's own words" in page.get_by_test_id("share").inner_text()

    # The person signs in, confirms two drafts and says one in their own words.
    second_page.goto(f"{base}/me/login/")
    second_page.fill("#username", "margaret")
    second_page.fill("#password", PERSON_PASSWORD)
    second_page.get_by_role("button", name="Sign in", exact=True).click()
    second_page.wait_for_url(f"{base}/me/")
    second_page.get_by_role("link", name="My plan").click()
    second_page.wait_for_url(f"{base}/me/plan/")
    for text in (DRAFTS["about_me"], DRAFTS["matters"]):
        statement(second_page, text).get_by_role("button", name="Yes, these are my words").click()
        second_page.wait_for_url(f"{base}/me/plan/")
        assert (
            statement(second_page, text)
            .get_by_test_id("mark")
            .inner_text()
            .startswith("In your own words")
        )
    draft = statement(second_page, DRAFTS["support_me"])
    draft.get_by_text("Say it in my own words").click()
    draft.locator("textarea").fill(REWRITE)
    draft.get_by_role("button", name="Save my words").click()
    second_page.wait_for_url(f"{base}/me/plan/")
    assert statement(second_page, REWRITE).get_by_test_id("mark").inner_text() == (
        "In your own words"
    )

    # The GP at her practice sees the same plan, each statement marked.
    page.get_by_role("button", name="Sign out").click()
    staff_sign_in(page, base, "dr.jones")
    page.goto(plan_url)
    marks = {
        text: statement(page, text).get_by_test_id("mark").inner_text()
        for text in (DRAFTS["about_me"], DRAFTS["matters"], REWRITE, DRAFTS["contingency"])
    }
    assert marks == {
        DRAFTS["about_me"]: "In Margaret Oldroyd's own words (drafted by Sam Patel (Social "
        "worker), confirmed)",
        DRAFTS["matters"]: "In Margaret Oldroyd's own words (drafted by Sam Patel (Social "
        "worker), confirmed)",
        REWRITE: "In Margaret Oldroyd's own words",
        DRAFTS["contingency"]: "Draft by Sam Patel (Social worker) — not yet confirmed",
    }
    assert statement(page, DRAFTS["support_me"]).count() == 0
    assert "3 in Margaret Oldroyd's own words" in page.get_by_test_id("share").inner_text()
    # The GP cannot confirm for her: no such button for staff.
    assert page.get_by_role("button", name="Yes, these are my words").count() == 0


def test_social_worker_changes_the_words_of_a_confirmed_statement_and_it_is_a_draft_again(
    people, live_server, page
):
    """The edit form on the plan page (it once always failed with a server error)."""
    from django.contrib.auth import get_user_model

    from onestory.access.policy import actor_for_user
    from onestory.planning import actions as planning
    from onestory.planning.models import PlanStatement

    users = get_user_model().objects
    sam = actor_for_user(users.get(username="sam.patel"))
    plan = planning.create_plan(people, by=sam)
    words = planning.propose_statement(plan, "about_me", DRAFTS["about_me"], by=sam)
    planning.confirm_statement(words, by=actor_for_user(users.get(username="margaret")))
    base = live_server.url
    staff_sign_in(page, base, "sam.patel")
    page.goto(f"{base}/people/{people.external_id}/plan/")
    row = statement(page, DRAFTS["about_me"])
    row.get_by_text("Change the words").click()
    row.locator("textarea").fill("I was a seamstress at Burton's for forty years.")
    row.get_by_role("button", name="Save as a draft").click()
    page.wait_for_url(f"{base}/people/{people.external_id}/plan/")
    changed = statement(page, "I was a seamstress at Burton's for forty years.")
    assert changed.get_by_test_id("mark").inner_text() == (
        "Draft by Sam Patel (Social worker) — not yet confirmed"
    )
    assert PlanStatement.objects.get(pk=words.pk).status == "draft"
