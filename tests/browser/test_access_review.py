"""A nurse at a community service with no privacy lead asks to join a person's care team
without a basis the system can check; in a real browser the request waits, a privacy lead
elsewhere in the partnership sees it (with the person's name) and approves it, and the
nurse can then open the record (issue 11 items 7 and 9)."""

import pytest

from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_a_join_without_a_basis_waits_until_a_privacy_lead_approves(live_server, page):
    margaret = f.rich_person()
    community = f.organisation("RY6", "Community Nursing", "community_provider")
    f.user("nurse.cn", role="nurse", org=community, first_name="Grace", last_name="Adeyemi")
    f.user("privacy.gp", role="privacy_lead", org=f.organisation("B86001", "Beech Tree Surgery"))
    base = live_server.url
    record = f"{base}/people/{margaret.external_id}/"

    sign_in(page, base, "nurse.cn")
    page.goto(record)
    page.get_by_label("Why are you joining the care team?").fill("Stephen, NHS 999 891 0714")
    page.get_by_role("button", name="Join the care team").click()
    page.get_by_text("Remove the NHS number from the reason").first.wait_for()
    page.get_by_label("Why are you joining the care team?").fill("Asked to visit by a colleague")
    page.get_by_role("button", name="Join the care team").click()
    page.get_by_role("heading", name="Your request to join the care team is waiting").wait_for()
    page.goto(record)
    assert "You do not have access to this record" in page.content()
    page.context.clear_cookies()

    sign_in(page, base, "privacy.gp")
    page.get_by_role("link", name="Access reviews").click()
    card = page.locator('[data-testid="join-request"]')
    assert card.count() == 1
    assert "Margaret Oldroyd" in card.inner_text() and "Grace Adeyemi" in card.inner_text()
    assert "No privacy lead of its own" in card.inner_text()
    card.get_by_label("Approve").check()
    card.get_by_role("button", name="Record decision").click()
    page.get_by_text("Your review has been recorded.").wait_for()
    page.context.clear_cookies()

    sign_in(page, base, "nurse.cn")
    page.goto(record)
    assert "Oldroyd" in page.content()
