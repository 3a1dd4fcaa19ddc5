"""The record's timeline filters live in the page address (bookmarkable; Back undoes a
click) and one look is one entry in the person's access log; the person page's clinical
cards and the portal's "my record" in plain English, with screenshots to check by eye
(saved under ONESTORY_SCREENSHOTS when set, else the test's temporary folder)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from onestory.access.actions import create_person_account
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.sources.models import SourceRecord
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSON_PASSWORD = "a-long-enough-pass-phrase"
SNOMED = "http://snomed.info/sct"


@pytest.fixture
def margaret():
    """Known to five services, with GP problems, medicines, an allergy and an alert, a
    hospital A&E diagnosis three months ago, and a portal account."""
    person = f.rich_person()
    for code, name, kind in (
        ("B86001", "Beech Tree Surgery", "gp_practice"),
        ("RR8", "Leeds Teaching Hospitals", "acute_trust"),
    ):
        f.organisation(code, name, kind)
    today = timezone.localdate()
    gp = SourceRecord.objects.get(links__person=person, system__kind="gp")
    acute = SourceRecord.objects.get(links__person=person, system__kind="acute")
    events = [
        (
            gp,
            "condition",
            "Diagnosis: Ischemic heart disease",
            "414545008",
            "Ischemic heart disease",
            "active",
            2200,
        ),
        (
            gp,
            "condition",
            "Diagnosis: Hypertensive disorder",
            "38341003",
            "Hypertensive disorder",
            "active",
            3000,
        ),
        (
            gp,
            "condition",
            "Diagnosis: Viral sinusitis (disorder)",
            "444814009",
            "Viral sinusitis (disorder)",
            "resolved",
            200,
        ),
        (
            acute,
            "ae_attendance",
            "A&E attendance: abdominal pain",
            "21522001",
            "Abdominal pain",
            "discharged",
            90,
        ),
        (
            gp,
            "observation",
            "Systolic blood pressure: 108 mm[Hg]",
            "271649006",
            "Systolic blood pressure",
            "final",
            3,
        ),
        (
            gp,
            "medication",
            "Prescribed: Atorvastatin 20mg tablets",
            "320000009",
            "Atorvastatin 20mg tablets",
            "active",
            20,
        ),
        (
            gp,
            "medication",
            "Prescribed: Amlodipine 5mg tablets",
            "319283006",
            "Amlodipine 5mg tablets",
            "active",
            25,
        ),
        (
            gp,
            "allergy",
            "Allergy: Allergy to peanuts",
            "91935009",
            "Allergy to peanuts",
            "active",
            900,
        ),
        (gp, "alert", "Alert: Uses a hearing aid", "", "Uses a hearing aid", "active", 400),
    ]
    for record, kind, title, code, display, status, days in events:
        f.source_event(
            record,
            kind=kind,
            title=title,
            code=code,
            code_system=SNOMED,
            code_display=display,
            status=status,
            start=today - timedelta(days=days),
        )
    create_person_account(
        person=person, username="margaret", password=PERSON_PASSWORD, by=Actor.system("tests")
    )
    return person


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("ONESTORY_SCREENSHOTS", "") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def staff_sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def shown_kinds(page) -> set[str]:
    return set(
        page.locator("#timeline-results tr[data-kind]").evaluate_all(
            "rows => rows.map(r => r.dataset.kind)"
        )
    )


def test_timeline_filters_are_the_address_and_back_undoes_them(margaret, live_server, page):
    f.user("dr.jones", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))
    base = live_server.url
    staff_sign_in(page, base, "dr.jones")
    person_url = f"{base}/people/{margaret.external_id}/"
    page.goto(person_url)
    assert len(shown_kinds(page)) > 2

    page.get_by_label("Medication (2)").check()
    page.wait_for_url(lambda url: url.endswith("?kind=medication"))
    assert shown_kinds(page) == {"medication"}
    page.get_by_label("Allergy (1)").check()
    page.wait_for_url(lambda url: "kind=allergy" in url)
    assert shown_kinds(page) == {"medication", "allergy"}

    page.go_back()
    page.wait_for_function("() => !location.search.includes('allergy')")
    assert "kind=medication" in page.url
    assert shown_kinds(page) == {"medication"}
    assert not page.get_by_label("Allergy (1)").is_checked()
    assert page.get_by_label("Medication (2)").is_checked()
    page.go_back()
    page.wait_for_function("() => location.search === ''")
    assert len(shown_kinds(page)) > 2

    # The filtered address is a bookmark: opening it shows the filtered timeline.
    page.goto(f"{person_url}?kind=allergy")
    assert shown_kinds(page) == {"allergy"}
    # One look (one session, however many clicks) is one entry in the access log.
    reads = AuditEvent.objects.filter(
        person_id=str(margaret.external_id), action__startswith="record."
    )
    assert list(reads.values_list("action", flat=True)) == ["record.view"]


def test_timeline_date_range_is_in_the_address(margaret, live_server, page):
    f.user("dr.jones", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))
    base = live_server.url
    staff_sign_in(page, base, "dr.jones")
    page.goto(f"{base}/people/{margaret.external_id}/")
    start = timezone.localdate() - timedelta(days=30)
    filters = page.locator("[data-testid=timeline-filters]")
    filters.locator("#from-day").fill(str(start.day))
    filters.locator("#from-month").fill(str(start.month))
    filters.locator("#from-year").fill(str(start.year))
    filters.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: f"from-year={start.year}" in url and "to-day" not in url)
    assert shown_kinds(page) == {"medication", "observation"}
    page.go_back()
    page.wait_for_function("() => location.search === ''")
    assert len(shown_kinds(page)) > 2


def test_person_page_cards_and_portal_record_look_right(
    margaret, live_server, page, browser, shots
):
    f.user("dr.jones", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))
    base = live_server.url
    staff_sign_in(page, base, "dr.jones")
    page.goto(f"{base}/people/{margaret.external_id}/")
    for card in ("#conditions", "#medicines", "#allergies", "#alerts"):
        assert page.locator(card).is_visible()
    assert "Coronary heart disease" in page.inner_text("[data-testid=current-problems]")
    assert "Peanut allergy" in page.inner_text("#allergies")
    page.screenshot(path=str(shots / "person-page.png"), full_page=True)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    portal = context.new_page()
    try:
        portal.goto(f"{base}/me/login/")
        portal.fill("#username", "margaret")
        portal.fill("#password", PERSON_PASSWORD)
        portal.get_by_role("button", name="Sign in", exact=True).click()
        portal.wait_for_url(f"{base}/me/")
        current = portal.inner_text("[data-testid=current-problems]")
        assert "Coronary heart disease" in current and "High blood pressure" in current
        assert "Stomach pain" not in current
        text = portal.inner_text("main")
        assert "Ischemic" not in text and "mm[Hg]" not in text and "108 mmHg" in text
        portal.screenshot(path=str(shots / "portal-my-record.png"), full_page=True)
        portal.goto(f"{base}/me/access-log/")
        portal.screenshot(path=str(shots / "portal-access-log.png"), full_page=True)
    finally:
        context.close()


def test_timeline_filters_need_no_eval_under_a_strict_policy(margaret, live_server, page):
    """The filters use a static script and htmx without eval (no hx-on, no trigger filter
    expressions), so a Content-Security-Policy without 'unsafe-eval' leaves them working."""
    f.user("dr.jones", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))
    base = live_server.url

    def with_policy(route):
        response = route.fetch()
        headers = {
            **response.headers,
            "content-security-policy": "script-src 'self' 'unsafe-inline'",
        }
        route.fulfill(response=response, headers=headers)

    page.route(f"{base}/people/**", with_policy)
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective));"
    )
    staff_sign_in(page, base, "dr.jones")
    page.goto(f"{base}/people/{margaret.external_id}/")
    page.get_by_label("Medication (2)").check()
    page.wait_for_url(lambda url: url.endswith("?kind=medication"))
    assert shown_kinds(page) == {"medication"}
    assert page.evaluate("window.__csp") == []
