"""The clinical summary cards (plain English, current and past problems, medicines,
allergies, alerts), the timeline's date range and its address, one audit entry per visit,
and the person's access log a page at a time."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.record import clinical_summary, queries, visits
from onestory.sources.models import SourceRecord
from tests import factories as f

pytestmark = pytest.mark.django_db
SNOMED = "http://snomed.info/sct"


@pytest.fixture
def margaret():
    p = f.rich_person()
    today = timezone.localdate()
    gp = SourceRecord.objects.get(links__person=p, system__kind="gp")
    acute = SourceRecord.objects.get(links__person=p, system__kind="acute")
    f.source_event(
        gp,
        kind="condition",
        title="Diagnosis: Ischemic heart disease",
        code="414545008",
        code_system=SNOMED,
        code_display="Ischemic heart disease",
        status="active",
        start=today.replace(year=today.year - 6),
    )
    f.source_event(
        gp,
        kind="condition",
        title="Diagnosis: Viral sinusitis (disorder)",
        code="444814009",
        code_system=SNOMED,
        code_display="Viral sinusitis (disorder)",
        status="resolved",
        start=today - timedelta(days=200),
        end=today - timedelta(days=190),
    )
    f.source_event(
        acute,
        kind="ae_attendance",
        title="A&E attendance: abdominal pain",
        code="21522001",
        code_system=SNOMED,
        code_display="Abdominal pain",
        status="discharged",
        start=today - timedelta(weeks=12),
    )
    f.source_event(
        gp,
        kind="observation",
        title="Systolic blood pressure: 108 mm[Hg]",
        code="271649006",
        code_system=SNOMED,
        code_display="Systolic blood pressure",
        start=today - timedelta(days=3),
    )
    f.source_event(
        gp,
        kind="medication",
        title="Prescribed: Atorvastatin 20mg tablets",
        code="320000009",
        code_display="Atorvastatin 20mg tablets",
        status="active",
        start=today - timedelta(days=20),
    )
    f.source_event(
        gp,
        kind="medication",
        title="Prescribed: Amoxicillin 500mg capsules",
        code="323509004",
        code_display="Amoxicillin 500mg capsules",
        status="completed",
        start=today - timedelta(days=300),
    )
    f.source_event(
        gp,
        kind="allergy",
        title="Allergy: Allergy to peanuts",
        code="91935009",
        code_display="Allergy to peanuts",
        status="active",
        start=today - timedelta(days=900),
        details={"criticality": "high", "reaction": "Swollen lips"},
    )
    f.source_event(
        gp,
        kind="alert",
        title="Alert: Uses a hearing aid",
        code_display="Uses a hearing aid",
        status="active",
        start=today - timedelta(days=400),
    )
    return p


@pytest.fixture
def gp_user():
    return f.user("dr.jones", role="gp", org=f.organisation("B86001", "Beech Tree Surgery"))


@pytest.fixture
def client_in(client, gp_user):
    client.force_login(gp_user)
    return client


def person_url(p, **query):
    return reverse("person", args=[p.external_id])


# ---------------------------------------------------------------- the clinical summary


def test_clinical_summary_puts_plain_words_and_separates_past_problems(margaret, gp_user):
    s = clinical_summary.get_clinical_summary(margaret.external_id, by=actor_for_user(gp_user))
    assert [p.term for p in s.current_problems] == ["Coronary heart disease"]
    assert s.current_problems[0].clinical_term == "Ischemic heart disease"
    past = {p.term: p.reason for p in s.past_problems}
    assert past == {"Sinusitis": "resolved", "Stomach pain": "short-term"}
    assert [m.name for m in s.medicines] == ["Atorvastatin 20mg tablets"]
    assert [m.name for m in s.past_medicines] == ["Amoxicillin 500mg capsules"]
    assert [(a.term, a.criticality, a.reaction) for a in s.allergies] == [
        ("Peanut allergy", "high", "Swollen lips")
    ]
    assert [a.term for a in s.alerts] == ["Uses a hearing aid"]
    event = AuditEvent.objects.get(action="record.summary")
    assert event.detail["allergies"] == 1 and "visit" not in event.detail


def test_clinical_cards_are_withheld_from_a_role_without_clinical_information(margaret):
    officer = f.user(
        "housing.jo",
        role="housing_officer",
        org=f.organisation("H001", "Leeds Housing", kind="housing"),
    )
    f.care_team(margaret, officer)
    s = clinical_summary.get_clinical_summary(margaret.external_id, by=actor_for_user(officer))
    assert s.withheld and not s.allergies and not s.medicines and not s.current_problems
    client = Client()
    client.force_login(officer)
    html = client.get(person_url(margaret)).content.decode()
    for card in ("conditions", "medicines", "allergies", "alerts"):
        body = _card(html, card)
        assert 'data-testid="withheld"' in body, card
        assert "Some information may not be shown to you here: clinical" in body, card
        assert "(your role does not see this)" in body, card
        assert "that you can see" in body and "recorded" not in body, card
    assert "No allergies recorded" not in html and "No current medicines" not in html


def _card(html: str, card_id: str) -> str:
    """The HTML of one card on the page, from its id to the next card."""
    start = html.index(f'id="{card_id}"')
    end = html.find('<div class="nhsuk-card"', start)
    return html[start : end if end != -1 else None]


def test_current_services_card_shows_the_weekly_cost_once(client_in, margaret):
    asc = SourceRecord.objects.get(links__person=margaret, system__kind="adult_social_care")
    f.source_event(
        asc,
        kind="service",
        category="social_care",
        # the adult social care adapter's title already carries the cost
        title="Home care — Long Term Support (£241.50 a week)",
        status="open",
        start=timezone.localdate() - timedelta(days=30),
        details={"planned_hours_per_week": 10.5, "weekly_cost_pence": 24150},
    )
    services = _card(client_in.get(person_url(margaret)).content.decode(), "services")
    assert services.count("£241.50") == 1
    assert "10.5 hours a week" in services


def test_person_page_shows_medicine_allergy_and_alert_cards_with_codes(client_in, margaret):
    html = client_in.get(person_url(margaret)).content.decode()
    for card in ('id="medicines"', 'id="allergies"', 'id="alerts"'):
        assert card in html
    assert "Atorvastatin 20mg tablets" in html and "Peanut allergy" in html
    assert "High risk" in html and "Uses a hearing aid" in html
    current = html[html.index('data-testid="current-problems"') :]
    current = current[: current.index("</ul>")]
    assert "Coronary heart disease" in current and "SNOMED CT 414545008" in current
    assert "Stomach pain" not in current
    assert "108 mmHg" in html and "mm[Hg]" not in html


def test_portal_record_speaks_plain_english(client, margaret):
    client.force_login(f.person_user(margaret, "margaret"))
    html = client.get(reverse("portal-home")).content.decode()
    current = html[html.index('data-testid="current-problems"') :]
    current = current[: current.index("</ul>")]
    assert "Coronary heart disease" in current
    assert "Ischemic" not in html
    assert "Stomach pain" not in current and "Sinusitis" not in current
    past = html[html.index('data-testid="past-problems"') :]
    assert "Stomach pain" in past[: past.index("</ul>")]
    assert "108 mmHg" in html and "mm[Hg]" not in html
    assert "Your medicines" in html and "Your allergies" in html


# ---------------------------------------------------------------- the timeline's address


def test_timeline_date_range_keeps_entries_between_the_dates(client_in, margaret):
    today = timezone.localdate()
    start = today - timedelta(days=25)
    query = {"from-day": start.day, "from-month": start.month, "from-year": start.year}
    html = client_in.get(person_url(margaret), query).content.decode()
    timeline = html[html.index('id="timeline-results"') :]
    assert "Atorvastatin" in timeline and "108 mmHg" in timeline
    assert "Ischemic" not in timeline and "Amoxicillin" not in timeline
    assert f'name="from-day" type="text" inputmode="numeric" value="{start.day}"' in html
    tl = queries.get_timeline(margaret.external_id, by=Actor.system(), date_from=start)
    assert tl.total == 2


def test_timeline_date_range_error_names_the_field(client_in, margaret):
    html = client_in.get(
        person_url(margaret), {"to-day": "31", "to-month": "2", "to-year": "2026"}
    ).content.decode()
    assert "To must be a real date" in html
    assert "Atorvastatin" in html  # the bad bound is left out, not the whole timeline


def test_timeline_pages_keep_the_filters_in_their_address(client_in, margaret):
    start = timezone.localdate() - timedelta(days=3650)
    tl_query = {"kind": "medication", "from-day": 1, "from-month": 1, "from-year": start.year}
    for i in range(60):
        gp = SourceRecord.objects.get(links__person=margaret, system__kind="gp")
        f.source_event(
            gp,
            kind="medication",
            title=f"Prescribed: Item {i}",
            start=timezone.localdate() - timedelta(days=i),
        )
    html = client_in.get(person_url(margaret), tl_query).content.decode()
    links = re.findall(r'hx-get="([^"]+page=2)"', html)
    assert links and "kind=medication" in links[0] and f"from-year={start.year}" in links[0]
    timeline_url = reverse("person-timeline", args=[margaret.external_id])
    assert links[0].startswith(timeline_url + "?")


def test_htmx_filter_click_gets_the_section_and_back_gets_the_page(client_in, margaret):
    timeline_url = reverse("person-timeline", args=[margaret.external_id])
    response = client_in.get(
        timeline_url,
        {"kind": "medication", "from-day": "", "from-month": ""},
        HTTP_HX_REQUEST="true",
    )
    section = response.content.decode()
    assert section.lstrip().startswith('<section id="timeline"')
    assert "<html" not in section
    assert 'value="medication" checked' in section
    # htmx keeps the person page's address, with the filters and without empty boxes.
    assert response["HX-Push-Url"] == person_url(margaret) + "?kind=medication"
    restore = client_in.get(
        person_url(margaret),
        {"kind": "medication"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    ).content.decode()
    assert "<html" in restore and 'id="medicines"' in restore


# ---------------------------------------------------------------- one audit entry per visit


def test_filter_clicks_in_one_visit_are_audited_once(client_in, margaret, gp_user):
    client_in.get(person_url(margaret))
    for kind in ("medication", "encounter", "allergy", "observation", "condition"):
        client_in.get(person_url(margaret), {"kind": kind}, HTTP_HX_REQUEST="true")
        client_in.get(
            reverse("person-timeline", args=[margaret.external_id]),
            {"kind": kind},
            HTTP_HX_REQUEST="true",
        )
    events = AuditEvent.objects.filter(person_id=str(margaret.external_id))
    assert list(events.values_list("action", flat=True)) == ["record.view"]
    assert len(events.get().detail["visit"]) == 16
    # Another session (another visit) is audited again.
    other = Client()
    other.force_login(gp_user)
    other.get(person_url(margaret), {"kind": "medication"}, HTTP_HX_REQUEST="true")
    assert events.count() == 2


def test_reads_after_the_visit_window_are_audited_again(client_in, margaret, monkeypatch):
    monkeypatch.setattr(visits, "VISIT_MINUTES", 0)
    client_in.get(person_url(margaret))
    client_in.get(person_url(margaret), {"kind": "medication"}, HTTP_HX_REQUEST="true")
    actions = AuditEvent.objects.values_list("action", flat=True)
    assert list(actions) == ["record.view", "record.timeline", "record.summary", "record.timeline"]


def test_refused_reads_are_audited_every_time(client, margaret):
    stranger = f.user("dr.far", role="gp", org=f.organisation("Y99999", "Far Away Surgery"))
    client.force_login(stranger)
    for _ in range(3):
        assert client.get(person_url(margaret)).status_code == 403
    assert AuditEvent.objects.filter(action="record.denied").count() == 3


# ---------------------------------------------------------------- the access log


def _seed_log(margaret):
    pid = str(margaret.external_id)
    f.organisation("B86001", "Beech Tree Surgery")
    f.organisation("RR8", "Leeds Teaching Hospitals", kind="acute_trust")
    for i in range(55):
        org = "B86001" if i % 5 else "RR8"
        record_event(
            by=Actor(f"user:{900 + i}", f"staff{i}", "gp", org),
            action="record.view",
            person_id=pid,
            detail={},
        )


def test_access_log_pages_and_filters_by_organisation(client, margaret):
    _seed_log(margaret)
    client.force_login(f.person_user(margaret, "margaret"))
    url = reverse("portal-access-log")
    first = client.get(url).content.decode()
    assert first.count('data-action="record.view"') == 50
    assert "55 entries, newest first (page 1 of 2)" in first
    assert 'href="?page=2"' in first
    # Reading page 1 added an entry of its own at the top, so page 2 starts one later.
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-action="record.view"') == 6
    hospital = client.get(url, {"organisation": "RR8"}).content.decode()
    assert "11 entries matching" in hospital
    assert hospital.count("Leeds Teaching Hospitals</span>") == 11
    assert '<option value="RR8" selected>' in hospital
    viewed = AuditEvent.objects.filter(action="access.log_viewed").last()
    assert viewed.detail == {"page": 1, "organisation": "RR8", "dated": False}


def test_access_log_filters_by_dates(client, margaret):
    _seed_log(margaret)
    client.force_login(f.person_user(margaret, "margaret"))
    url = reverse("portal-access-log")
    tomorrow = timezone.localdate() + timedelta(days=1)
    later = {"from-day": tomorrow.day, "from-month": tomorrow.month, "from-year": tomorrow.year}
    html = client.get(url, later).content.decode()
    assert "No entries match" in html
    today = timezone.localdate()
    html = client.get(
        url, {"to-day": today.day, "to-month": today.month, "to-year": today.year, "page": 2}
    ).content.decode()
    assert "entries matching" in html and f"to-year={today.year}&amp;page=" in html
    bad = client.get(url, {"from-day": "40", "from-month": "1", "from-year": "2026"})
    assert "From must be a real date" in bad.content.decode()
