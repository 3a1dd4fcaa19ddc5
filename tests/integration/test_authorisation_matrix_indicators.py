"""The analysts' indicators page and its CSV: figures by locality and quarter with small
numbers suppressed, the indicator form, a bad choice, no person named, audited with counts;
and its authorisation matrix — every staff role and a person using their own record × page
and CSV × with or without a relationship with a person counted × with or without that
person's opt-out of secondary use. The expected outcome is computed from the rule (only
roles that may view aggregates: commissioners and analysts; an opted-out person is never
counted), not from the policy code."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onestory.access.domain.roles import ROLES
from onestory.access.models import SecondaryUseOptOut
from onestory.audit.models import AuditEvent
from tests import factories as f
from tests.integration.test_commissioning import admission, build_borough
from tests.integration.test_indicators import place_borough

pytestmark = pytest.mark.django_db

AGGREGATE_ROLES = {"commissioner", "analyst"}
FALLS = {"indicator": "falls_65plus"}


@pytest.fixture
def small_borough():
    """Nine people aged 70 at one practice in locality P01L01, each with a fall admission in
    June 2025 (2025Q2)."""
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
    place_borough()
    return people


def june_cell(body: str) -> str:
    cell = body[body.index('data-testid="cell-P01L01-2025Q2"') :]
    return cell[: cell.index("</td>")]


ENDPOINTS = ("page", "csv")


@pytest.mark.parametrize("refused", [False, True], ids=["no-opt-out", "opted-out"])
@pytest.mark.parametrize("related", [False, True], ids=["no-relationship", "relationship"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", [*sorted(ROLES), "person"])
def test_indicators_authorisation_matrix(client, small_borough, role, endpoint, related, refused):
    person = small_borough[0]
    if role == "person":
        user = f.person_user(person)
    else:
        user = f.user(f"{role}.matrix", role=role)
        if related:
            f.care_team(person, user)
    if refused:
        SecondaryUseOptOut.objects.create(person=person, opted_out_at=timezone.now(), set_by="t")
    client.force_login(user)
    url = reverse("evaluation-indicators" if endpoint == "page" else "evaluation-indicators-csv")
    response = client.get(url, FALLS)
    body = response.content.decode()
    record = person.links.first().record
    assert record.nhs_number not in body and "Zebedee" not in body
    events = AuditEvent.objects.filter(action="evaluation.indicators")
    if role not in AGGREGATE_ROLES:
        assert response.status_code == 403
        assert not events.exists()
        return
    assert response.status_code == 200
    (event,) = events
    assert event.detail["opted_out_excluded"] == int(refused)
    falls = 9 - refused  # an opted-out person is never counted, whoever asks
    if endpoint == "csv":
        rows = list(csv.DictReader(io.StringIO(body)))
        (row,) = [r for r in rows if r["quarter"] == "2025Q2" and r["locality"] == "P01L01"]
        if falls >= 8:
            assert row["numerator"] == str(falls) and row["suppressed"] == "no"
        else:
            assert row["numerator"] == "" and row["rate_per_100k"] == ""
            assert row["suppressed"] == "yes"
    else:
        cell = june_cell(body)
        assert ("fewer than 8" in cell) == (falls < 8)


def test_page_shows_one_indicator_by_locality_and_quarter_with_its_csv(client):
    build_borough()
    place_borough()
    client.force_login(f.user("analyst.one", role="analyst"))
    response = client.get(reverse("evaluation-indicators"), FALLS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Emergency admissions due to falls, 65 and over" in body
    # Ten falls among 40 people aged 70: 25,000 per 100,000 crude; standardised, only the
    # 70-74 band (ESP weight 5,000 of 19,500 from 65) has anyone in it: 6,410.3.
    assert "6,410.3" in june_cell(body) and " to " in june_cell(body)
    assert 'data-testid="csv"' in body and "Delayed discharges" in body
    csv_response = client.get(reverse("evaluation-indicators-csv"), FALLS)
    assert csv_response["Content-Disposition"].endswith('indicators-falls_65plus.csv"')
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    (june,) = [r for r in rows if r["quarter"] == "2025Q2"]
    assert june["numerator"] == "10" and june["denominator"] == "40"


def test_page_heads_its_quarters_in_words_not_codes(client):
    build_borough()
    place_borough()
    client.force_login(f.user("analyst.one", role="analyst"))
    body = client.get(reverse("evaluation-indicators"), FALLS).content.decode()
    head = body.split('data-testid="indicator-table"', 1)[-1].split("</thead>", 1)[0]
    assert ">April to June 2025</th>" in head
    assert ">2025Q2</th>" not in head


def test_page_names_each_locality_not_only_its_code(client):
    build_borough()
    place_borough()
    client.force_login(f.user("analyst.one", role="analyst"))
    body = client.get(reverse("evaluation-indicators"), FALLS).content.decode()
    row = body[body.index('data-testid="locality-P01L01"') :]
    assert '<th scope="row" class="nhsuk-table__header">North <' in row[: row.index("</th>")]


def test_page_form_chooses_another_indicator_and_partnership(client):
    build_borough()
    place_borough()
    client.force_login(f.user("analyst.one", role="analyst"))
    response = client.get(
        reverse("evaluation-indicators"),
        {"indicator": "care_home_admissions", "partnership": "P01"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Permanent admissions to residential and nursing care" in body
    assert 'value="P01" selected' in body


@pytest.mark.parametrize(
    "params", [{"indicator": "happiness"}, {"indicator": "falls_65plus", "partnership": "ZZ"}]
)
def test_page_refuses_a_choice_not_offered_with_a_clear_error(client, params):
    client.force_login(f.user("analyst.one", role="analyst"))
    response = client.get(reverse("evaluation-indicators"), params)
    assert response.status_code == 400
    assert "from the list" in response.content.decode()
    assert client.get(reverse("evaluation-indicators-csv"), params).status_code == 400


def test_page_before_any_linkage_says_there_is_nothing_to_show(client):
    client.force_login(f.user("commissioner.one", role="commissioner"))
    response = client.get(reverse("evaluation-indicators"))
    assert response.status_code == 200
    assert "Records have not been linked into people yet" in response.content.decode()
    assert client.get(reverse("evaluation-indicators-csv")).status_code == 409
