"""Finding someone you are not yet involved with, in a real browser (ADR 0011): a surname
alone lists nobody unrelated; the NHS number shows only name and year of birth; the nurse
opens the row and asks to join the care team with a reason; with no referral, registration or
episode at her organisation the request waits for a privacy lead, and once approved she sees
the record. A voluntary worker
the person refused is told so plainly, with nothing offered that cannot work."""

import re
from datetime import date

import pytest

from onestory.access.actions import review_join_request
from onestory.access.models import CareTeamJoinRequest
from onestory.access.policy import actor_for_user
from onestory.sources.models import SourceRecord
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_nurse_finds_by_nhs_number_confirms_identity_and_joins_the_care_team(live_server, page):
    base = live_server.url
    margaret = f.rich_person()
    SourceRecord.objects.filter(links__person=margaret).update(date_of_birth=date(1947, 7, 14))
    nhs = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    f.user("nurse.new", role="nurse", org=f.organisation("RY6", "Community Nursing"))
    sign_in(page, base, "nurse.new")

    page.fill("#name", "Oldroyd")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("#results")
    assert "No people found" in page.inner_text("#results")
    assert page.locator("[data-testid=related-only]").is_visible()

    page.fill("#name", "")
    page.fill("#nhs_number", nhs)
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("#results")
    table = page.inner_text("main table")
    assert "OLDROYD, Margaret" in table and "Born 1947" in table and "No access yet" in table
    assert "LS2 5ZN" not in table and "14 Jul 1947" not in table

    page.get_by_role("link", name="OLDROYD, Margaret").click()
    page.wait_for_url(f"{base}/people/{margaret.external_id}/")
    page.fill("#join_reason", "District nursing referral received today")
    page.get_by_role("button", name="Join the care team").click()
    page.wait_for_url(re.compile(r".*/care-team-requests/\d+/$"))
    assert "no referral, registration or open episode" in page.inner_text(
        "[data-testid=join-waiting]"
    )
    assert "OLDROYD" not in page.inner_text("main")

    join = CareTeamJoinRequest.objects.get(person=margaret)
    lead = f.user("pl.ry6", role="privacy_lead", org=join.organisation)
    review_join_request(request=join, outcome="approved", note="", by=actor_for_user(lead))
    page.reload()
    assert "approved this request" in page.inner_text("[data-testid=join-outcome]")
    page.get_by_role("link", name="Back to the person's page").click()
    page.wait_for_url(f"{base}/people/{margaret.external_id}/")
    assert page.get_by_role("heading", name="Margaret Oldroyd").is_visible()


def test_voluntary_worker_the_person_refused_is_told_plainly(live_server, page):
    base = live_server.url
    margaret = f.rich_person()
    nhs = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    org = f.organisation("VOL1", "Good Neighbours", "voluntary")
    f.user("vol.worker", role="voluntary_worker", org=org)
    f.sharing_choice(margaret, org, decision="refuse")
    sign_in(page, base, "vol.worker")

    page.goto(f"{base}/?nhs_number={nhs}")
    page.wait_for_selector("#results")
    assert "chosen not to share their record with your organisation" in page.inner_text("main")
    assert page.locator(f"a[href='/people/{margaret.external_id}/']").count() == 0

    response = page.goto(f"{base}/people/{margaret.external_id}/")
    assert response.status == 403
    assert "chosen not to share their record with Good Neighbours" in page.inner_text("main")
    assert page.get_by_role("button", name="Join the care team").count() == 0
    assert "Oldroyd" not in page.content()
