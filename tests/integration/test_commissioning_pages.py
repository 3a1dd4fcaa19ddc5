"""The commissioner's page and its CSV: figures shown with suppression, the year form, a
bad year, no person named, audited with counts; and its authorisation matrix (every staff
role x page and CSV x with or without a relationship with a person x with or without that
person's opt-out of secondary use). The expected outcome is computed from the rule — only
roles that may view aggregates, and an opted-out person is never counted — not from the
policy code."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onestory.access.domain.roles import ROLES
from onestory.access.models import SecondaryUseOptOut
from onestory.audit.models import AuditEvent
from tests import factories as f
from tests.integration.test_commissioning import admission, build_borough

pytestmark = pytest.mark.django_db


@pytest.fixture
def borough():
    return build_borough()


AGGREGATE_ROLES = {"commissioner", "analyst"}  # issue 14: commissioners and analysts only
YEAR = "2025-26"


def commissioner(role="commissioner"):
    return f.user(f"{role}.one", role=role, org=f.organisation("QWO", "Ashbridge ICB"))


def test_page_shows_the_metrics_and_segments_for_the_year(borough, client):
    client.force_login(commissioner())
    response = client.get(reverse("commissioning"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    reablement = html[html.index('data-testid="metric-reablement_91day_pct"') :]
    reablement = reablement[: reablement.index("</tr>")]
    assert "80.0" in reablement and ">8<" in reablement and ">10<" in reablement
    permanent = html[html.index('data-testid="metric-permanent_admissions_65plus_per_100k"') :]
    assert "22,500.0" in permanent[: permanent.index("</tr>")]
    assert '<strong data-testid="segments-total">49</strong>' in html
    assert "Population segments on 31 March 2026" in html
    link = html[html.index('data-testid="bcf-link"') :]
    assert f'href="{reverse("bcf-home")}"' in link[: link.index("</p>")]
    frailty = html[html.index('data-testid="segment-frailty_dementia"') :]
    assert ">12<" in frailty[: frailty.index("</tr>")]
    assert "selected>2025-26" in html


def test_page_year_form_submits_another_year_and_small_numbers_show_as_fewer_than_8(
    borough,
    client,
):
    client.force_login(commissioner("analyst"))
    html = client.get(reverse("commissioning"), {"year": "2024-25"}).content.decode()
    assert "Better Care Fund national metrics, 2024-25" in html
    # 2024-25: only person 27 was in residential care, since January 2024: not counted then
    # either (it began in 2023-24), so zero; reablement nobody: "No one to count".
    permanent = html[html.index('data-testid="metric-permanent_admissions_65plus_per_100k"') :]
    assert ">0<" in permanent[: permanent.index("</tr>")]
    reablement = html[html.index('data-testid="metric-reablement_91day_pct"') :]
    assert "No one to count" in reablement[: reablement.index("</tr>")]
    # on 31 March 2025 one person (27) is in a care home: suppressed, and one more hidden
    segments = html[html.index('data-testid="segments"') :]
    assert segments.count("fewer than 8") == 2


def test_page_refuses_a_year_not_offered_with_a_clear_error(client):
    client.force_login(commissioner())
    response = client.get(reverse("commissioning"), {"year": "1999-00"})
    assert response.status_code == 400
    assert "Choose a financial year from the list." in response.content.decode()
    assert client.get(reverse("commissioning-csv"), {"year": "nonsense"}).status_code == 400


def test_csv_has_the_same_figures_suppressed(borough, client):
    client.force_login(commissioner())
    response = client.get(reverse("commissioning-csv"), {"year": "2024-25"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="commissioning-2024-25.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    metrics = {r["measure"]: r for r in rows if r["section"] == "bcf_metric"}
    segments = {r["measure"]: r for r in rows if r["section"] == "segment"}
    assert len(metrics) == 5 and len(segments) == 8
    assert metrics["permanent_admissions_65plus_per_100k"]["value"] == "0.0"
    assert [r["measure"] for r in segments.values() if r["suppressed"] == "yes"] and all(
        r["value"] == "" for r in segments.values() if r["suppressed"] == "yes"
    )


def test_page_names_no_one_and_is_audited_with_counts_only(borough, client):
    client.force_login(commissioner())
    html = client.get(reverse("commissioning"), {"year": YEAR}).content.decode()
    for p in borough[:3]:
        record = p.links.first().record
        assert record.nhs_number not in html and record.given_name + " " not in html
        assert str(p.external_id) not in html
    (event,) = AuditEvent.objects.filter(action="commissioning.overview_viewed")
    assert event.person_id == ""
    assert event.detail["people"] == 50 and event.detail["opted_out_excluded"] == 1
    assert set(event.detail) == {"year", "area", "people", "segmented", "opted_out_excluded"}


# --- the authorisation matrix ----------------------------------------------------------------


@pytest.fixture
def small_borough():
    """Nine people aged 70, each with a fall admission in June 2025."""
    from datetime import date

    gp = f.source_system("gp", "Y02101", "Ashbridge Health Centre")
    acute = f.source_system("acute", "R9A", "Ashbridge Teaching Hospitals")
    people = []
    for i in range(9):
        nhs = f.nhs_number()
        g = f.source_record(
            gp,
            nhs_number=nhs,
            date_of_birth=date(1955, 3, 1),
            given_name=f"Q{i}",
            family_name="Zebedee",
        )
        a = f.source_record(acute, nhs_number=nhs, date_of_birth=date(1955, 3, 1))
        admission(a, date(2025, 6, 1) + timedelta(i), 3, "217082002")
        people.append(f.linked_person(g, a))
    return people


ENDPOINTS = ("page", "csv")


@pytest.mark.parametrize("refused", [False, True], ids=["no-opt-out", "opted-out"])
@pytest.mark.parametrize("related", [False, True], ids=["no-relationship", "relationship"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_commissioning_authorisation_matrix(
    client, small_borough, role, endpoint, related, refused
):
    person = small_borough[0]
    user = f.user(f"{role}.matrix", role=role)
    if related:
        f.care_team(person, user)
    if refused:
        SecondaryUseOptOut.objects.create(person=person, opted_out_at=timezone.now(), set_by="t")
    client.force_login(user)
    url = reverse("commissioning" if endpoint == "page" else "commissioning-csv")
    response = client.get(url, {"year": YEAR})
    body = response.content.decode()
    record = person.links.first().record
    assert record.nhs_number not in body and "Zebedee" not in body
    events = AuditEvent.objects.filter(action="commissioning.overview_viewed")
    if role not in AGGREGATE_ROLES:
        assert response.status_code == 403
        assert not events.exists()
        return
    assert response.status_code == 200
    (event,) = events
    counted = 9 - refused  # an opted-out person is never counted, whoever asks
    assert event.detail["people"] == counted
    assert event.detail["opted_out_excluded"] == int(refused)
    falls = counted  # each counted person had one fall admission
    if endpoint == "csv":
        rows = {r["measure"]: r for r in csv.DictReader(io.StringIO(body))}
        row = rows["falls_65plus_per_100k"]
        if falls >= 8:
            assert row["numerator"] == str(falls) and row["suppressed"] == "no"
        else:
            assert row["numerator"] == "" and row["suppressed"] == "yes"
    else:
        cell = body[body.index('data-testid="metric-falls_65plus_per_100k"') :]
        cell = cell[: cell.index("</tr>")]
        assert (f">{falls}<" in cell) if falls >= 8 else ("fewer than 8" in cell)


def test_page_before_any_linkage_says_there_is_nothing_to_show(client):
    client.force_login(commissioner())
    response = client.get(reverse("commissioning"))
    assert response.status_code == 200
    assert "Records have not been linked into people yet" in response.content.decode()
    assert client.get(reverse("commissioning-csv")).status_code == 409
