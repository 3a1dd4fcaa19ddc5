"""A data-quality officer, in a real browser against a live server, reviews an uncertain
pair from the menu, links it, then unmerges it; the person's identity page shows the right
source records after each step, and the history says who did what and why."""

from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.people.actions import run_linkage
from onestory.people.models import PersonLink
from tests import factories as f
from tests.integration.test_identity_review import QueueingLinker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def uncertain_pair():
    """Margaret at her GP and hospital (one NHS number), and a housing record as Peggy that
    the linkage run was unsure of."""
    nhs = f.nhs_number()
    gp = f.source_system("gp", "B86001", "Beech Tree Surgery")
    acute = f.source_system("acute", "RR8", "Leeds Teaching Hospitals")
    housing = f.source_system("housing", "H001", "Leeds Housing")
    records = (
        f.source_record(gp, local_id="G1", nhs_number=nhs, given_name="Margaret"),
        f.source_record(acute, local_id="A1", nhs_number=nhs, given_name="Margaret"),
        f.source_record(
            housing, local_id="T42", given_name="Peggy", date_of_birth=date(1950, 3, 13)
        ),
    )
    run_linkage(by=Actor.system("tests"), linker=QueueingLinker((records[0].pk, records[2].pk)))
    f.user("dq.officer", role="data_quality_officer")
    return records


def shown_records(page) -> list[str]:
    return sorted(
        page.locator('[data-testid="source-record"]').evaluate_all(
            "rows => rows.map(r => r.dataset.record)"
        )
    )


def test_officer_links_an_uncertain_pair_then_unmerges_it(uncertain_pair, live_server, page):
    gp, acute, housing = uncertain_pair
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "dq.officer")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/identity/review/")  # the officer's landing page

    page.get_by_role("link", name="Linkage review").click()
    page.wait_for_url(f"{base}/identity/review/")
    assert page.locator('[data-testid="review-pair"]').count() == 1
    page.get_by_role("link", name="Review pair 1").click()
    page.get_by_text("Listed as variants of one name.").wait_for()

    page.get_by_label("Same person: link them").check()
    page.fill("#reason", "Peggy is Margaret: same date of birth and address")
    page.get_by_role("button", name="Save decision").click()

    page.get_by_role("heading", name="Identity").wait_for()
    assert shown_records(page) == ["acute:RR8:A1", "gp:B86001:G1", "housing:H001:T42"]
    history = page.locator('[data-testid="history"]')
    assert "Reviewed: same person" in history.inner_text()
    assert "dq.officer" in history.inner_text()
    merged_url = page.url

    page.get_by_label("Split off Leeds Housing T42").check()
    page.get_by_role("button", name="Split off the ticked records").click()
    page.get_by_text("Say why these records are not this person.").first.wait_for()
    assert shown_records(page) == ["acute:RR8:A1", "gp:B86001:G1", "housing:H001:T42"]

    page.get_by_label("Split off Leeds Housing T42").check()
    page.fill("#reason", "Housing tenant is her sister-in-law")
    page.get_by_role("button", name="Split off the ticked records").click()
    page.get_by_text("1 record split off into a separate person.").wait_for()
    assert page.url == merged_url
    assert shown_records(page) == ["acute:RR8:A1", "gp:B86001:G1"]
    entries = page.locator('[data-testid="history-entry"]').all_inner_texts()
    assert "Unmerged" in entries[0] and "sister-in-law" in entries[0]
    assert "Reviewed: same person" in entries[1]

    page.get_by_role("link", name="See the separate person").click()
    page.get_by_role("heading", name="Identity").wait_for()
    assert shown_records(page) == ["housing:H001:T42"]
    current = PersonLink.objects.filter(run__is_current=True)
    assert current.get(record=housing).person_id != current.get(record=gp).person_id


def test_officer_decides_pairs_in_a_batch_from_the_queue(uncertain_pair, live_server, page):
    gp, _acute, housing = uncertain_pair
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "dq.officer")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/identity/review/")

    facts = page.locator('[data-testid="pair-facts"]').inner_text()
    assert "Margaret" in facts and "Peggy" in facts and "13 March 1950" in facts
    assert page.locator('[data-testid="harm-reason"]').inner_text() == "3 sources"
    page.get_by_label("Select pair 1").check()
    page.get_by_label("Not the same person").check()
    page.fill("#batch-reason", "Different women at one address")
    page.get_by_role("button", name="Save decisions").click()

    page.get_by_text("1 pair decided.").wait_for()
    assert page.locator('[data-testid="review-pair"]').count() == 0
    current = PersonLink.objects.filter(run__is_current=True)
    assert current.get(record=housing).person_id != current.get(record=gp).person_id
