"""Population needs (`queries.needs_figures`, the needs page, its CSV and XLSX, `onestory
needs`) on the hand-worked borough of tests/integration/test_commissioning.py, as one
partnership (ASH) of two localities with everyone in the north (ASH-N).

2025-26 Q3 (1 October to 31 December 2025), segments on 30 September 2025:
  short decline 1 (person 28 dies in hospital in December); frailty 12 (18-27 in care homes,
  38-39 dementia); limited reserve 8 (heart failure, admitted in July); acutely ill 10 (the
  June falls); healthy 19 (29-37 and the ten aged 30).
Activity in the quarter: 28-37 admitted 27 October for 5 days, then 36 days' reablement from
1 November; 28 admitted again on 10 December for 5 days; ten people in care homes all 92
days."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.commissioning import queries
from onestory.commissioning.domain.needs import Quarter
from onestory.places.demo import create_demo_places
from tests import factories as f
from tests.integration.test_commissioning import build_borough, run_cli

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")
Q3 = Quarter(2025, 3)
ASKED = {"partnership": "ASH", "quarter": "2025-26 Q3"}


@pytest.fixture
def borough():
    people = build_borough()
    create_demo_places(by=SYSTEM)
    return people


def commissioner(role="commissioner"):
    return f.user(f"{role}.needs", role=role, org=f.organisation("QWO", "Ashbridge ICB"))


def by_key(rows):
    return {r["key"]: r for r in rows}


def test_needs_people_by_segment_and_locality_match_the_hand_worked_borough(borough):
    got = queries.needs_figures(by=SYSTEM, quarter=Q3, partnership="ASH")
    assert got["area"].endswith("(ASH)") and got["people"] == 50
    assert [loc["code"] for loc in got["localities"]] == ["ASH-N", "ASH-S"]
    people = by_key(got["people_by_segment"])
    assert people["frailty_dementia"]["localities"] == {"ASH-N": 12, "ASH-S": 0}
    assert people["healthy"]["total"] == 19 and people["acutely_ill"]["total"] == 10
    # 1 at the end of life is withheld, and the smallest other (8, limited reserve) with it
    assert people["short_decline"]["total"] is None
    assert people["limited_reserve"]["total"] is None
    assert got["people_by_locality"] == {"ASH-N": 50, "ASH-S": 0}


def test_needs_activity_and_cost_per_segment_match_the_hand_worked_borough(borough):
    got = queries.needs_figures(by=SYSTEM, quarter=Q3, partnership="ASH")
    activity = by_key(got["activity"])
    healthy = activity["healthy"]
    assert (healthy["people"], healthy["emergency_admissions"], healthy["bed_days"]) == (19, 9, 45)
    assert healthy["reablement_days"] == 9 * 36 and healthy["care_home_days"] == 0
    assert healthy["health_cost"] == 9 * 1650 + 45 * 420
    assert healthy["social_care_cost"] == round(324 / 7 * 400)
    assert healthy["cost_per_head"] == pytest.approx((33750 + 324 / 7 * 400) / 19, abs=0.01)
    assert activity["frailty_dementia"]["care_home_days"] == 10 * 92
    assert activity["frailty_dementia"]["social_care_cost"] == round(920 / 7 * 1100)
    # the withheld rows are withheld whole, costs included
    for key in ("short_decline", "limited_reserve"):
        row = activity[key]
        assert row["suppressed"] and row["emergency_admissions"] is None
        assert row["health_cost"] is None and row["cost_per_head"] is None
    total = activity["total"]
    assert (total["people"], total["emergency_admissions"], total["bed_days"]) == (50, 11, 55)
    assert total["health_cost"] == 11 * 1650 + 55 * 420
    assert total["social_care_cost"] == round((920 * 1100 + 360 * 400) / 7)


def test_needs_activity_per_locality_matches_the_hand_worked_borough(borough):
    got = queries.needs_figures(by=SYSTEM, quarter=Q3, partnership="ASH")
    rows = by_key(got["activity_by_locality"])
    assert list(rows) == ["ASH-N", "ASH-S", "total"]
    north, south = rows["ASH-N"], rows["ASH-S"]
    assert north["label"] == "Ashbridge North" and rows["total"]["label"] == "All localities"
    assert (north["people"], north["emergency_admissions"], north["care_home_days"]) == (
        50,
        11,
        920,
    )
    assert north["health_cost"] == 11 * 1650 + 55 * 420
    assert south["people"] == 0 and south["cost_per_head"] is None and not south["suppressed"]


def test_needs_trend_runs_over_eight_quarters_to_the_one_chosen(borough):
    got = queries.needs_figures(by=SYSTEM, quarter=Q3, partnership="ASH")
    trend = got["trend"]
    assert [r["key"] for r in trend] == [q.label for q in Q3.back(8)]
    last = trend[-1]
    assert last["people"] == 50 and last["emergency_admissions"] == 11
    q1 = by_key(trend)["2025-26 Q1"]  # the June falls (and the opted-out person not counted)
    assert q1["emergency_admissions"] == 10 and q1["bed_days"] == 40


def test_needs_projection_starts_from_todays_counts_and_says_so(borough):
    got = queries.needs_figures(by=SYSTEM, quarter=Q3, partnership="ASH")
    projection = by_key(got["projection"]["segments"])
    assert got["projection"]["from"] == "2025-09-30" and got["projection"]["horizons"] == [5, 10]
    assert projection["healthy"]["now"] == 19
    # everyone is 70 or 30: in ten years fewer are alive, none are born
    assert projection["healthy"]["in_10_years"] <= 20
    assert projection["short_decline"]["in_5_years"] is None  # withheld now, withheld then
    assert all(v % 10 == 0 for v in got["projection"]["total"].values())


def test_needs_for_a_locality_shows_only_its_column(borough):
    got = queries.needs_figures(by=SYSTEM, quarter=Q3, locality="ASH-S")
    assert got["people"] == 0 and [loc["code"] for loc in got["localities"]] == ["ASH-S"]
    assert all(r["total"] == 0 for r in got["people_by_segment"])


def test_needs_is_audited_with_counts_only(borough):
    queries.needs_figures(by=SYSTEM, quarter=Q3, partnership="ASH")
    (event,) = AuditEvent.objects.filter(action="commissioning.needs_viewed")
    assert event.person_id == ""
    assert event.detail == {
        "quarter": "2025-26 Q3",
        "area": "Ashbridge Health and Care Partnership (ASH)",
        "people": 50,
        "opted_out_excluded": 1,
    }


# --- the command ---------------------------------------------------------------------------------


def test_needs_command_prints_the_json_for_outside_tools(borough, capsys):
    code, out, err = run_cli(
        ["needs", "--partnership", "ASH", "--as-of", "2026-01-15", "--json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "quarter",
        "area",
        "partnership",
        "locality",
        "threshold",
        "linked",
        "people",
        "localities",
        "people_by_segment",
        "people_by_locality",
        "activity",
        "activity_by_locality",
        "trend",
        "projection",
        "unit_costs",
    }
    assert data["quarter"] == {"label": "2025-26 Q3", "start": "2025-10-01", "end": "2025-12-31"}
    assert by_key(data["activity"])["total"]["emergency_admissions"] == 11
    assert data["unit_costs"]["items"]["bed_day"]["pounds"] == 420.0


def test_needs_command_prints_a_summary_and_refuses_an_unknown_locality(borough, capsys):
    code, out, _ = run_cli(
        ["needs", "--partnership", "ASH", "--locality", "ASH-N", "--as-of", "2026-01-15"], capsys
    )
    assert code == 0
    assert "Population needs, Ashbridge North (ASH-N), 2025-26 Q3" in out
    assert "Healthy: 19 people, 9 emergency admissions" in out
    code, _, err = run_cli(["needs", "--partnership", "ASH", "--locality", "NOPE"], capsys)
    assert code == 2 and "Unknown locality 'NOPE'" in err and "ASH-N" in err


# --- the page and its downloads ---------------------------------------------------------------


def test_needs_page_shows_people_activity_trend_projection_and_charts(borough, client):
    client.force_login(commissioner())
    response = client.get(reverse("commissioning-needs"), ASKED)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong data-testid="needs-total">50</strong>' in html
    frailty = html[html.index('data-testid="people-frailty_dementia"') :]
    assert ">12<" in frailty[: frailty.index("</tr>")]
    north = html[html.index('data-testid="locality-ASH-N"') :]
    assert ">Ashbridge North<" in north[: north.index("</tr>")]
    healthy = html[html.index('data-testid="activity-healthy"') :]
    assert "£2,751" in healthy[: healthy.index("</tr>")]
    withheld = html[html.index('data-testid="activity-short_decline"') :]
    assert "withheld" in withheld[: withheld.index("</tr>")]
    for chart in ("people", "trend", "projection"):
        assert f'data-figure="figure-{chart}"' in html and f'id="figure-{chart}"' in html
    assert "projection from the age structure alone" in html
    assert "selected>Ashbridge Health and Care Partnership (ASH)" in html
    assert "/who-pays/plotly.min.js" in html and "commissioning/needs.js" in html
    assert "<script>" not in html  # the charts' data is JSON, drawn by a file: the CSP holds


def test_needs_page_names_no_one(borough, client):
    client.force_login(commissioner("analyst"))
    html = client.get(reverse("commissioning-needs"), ASKED).content.decode()
    for p in borough[:5]:
        record = p.links.first().record
        assert record.nhs_number not in html and str(p.external_id) not in html
        assert f">{record.given_name}<" not in html


def test_needs_page_refuses_a_quarter_or_locality_not_offered_with_a_clear_error(borough, client):
    client.force_login(commissioner())
    response = client.get(reverse("commissioning-needs"), {"quarter": "1999-00 Q1"})
    assert response.status_code == 400
    assert "Choose a quarter from the list." in response.content.decode()
    response = client.get(reverse("commissioning-needs"), {"partnership": "ASH", "locality": "X"})
    assert response.status_code == 400
    assert "Unknown locality &#x27;X&#x27;" in response.content.decode()
    assert client.get(reverse("commissioning-needs-csv"), {"quarter": "junk"}).status_code == 400


def test_needs_page_before_any_linkage_says_there_is_nothing_to_show(client):
    client.force_login(commissioner())
    response = client.get(reverse("commissioning-needs"))
    assert response.status_code == 200
    assert "Records have not been linked into people yet" in response.content.decode()
    assert client.get(reverse("commissioning-needs-xlsx")).status_code == 409


def test_commissioning_page_links_to_the_needs_page(borough, client):
    client.force_login(commissioner())
    html = client.get(reverse("commissioning")).content.decode()
    assert f'href="{reverse("commissioning-needs")}"' in html


def _csv(client):
    response = client.get(reverse("commissioning-needs-csv"), ASKED)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="needs-ASH-2025-26-Q3.csv"'
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_needs_csv_has_the_same_figures_suppressed(borough, client):
    client.force_login(commissioner())
    rows = _csv(client)
    cell = {(r["section"], r["group"], r["locality"], r["measure"]): r for r in rows}
    assert cell[("people_by_segment", "frailty_dementia", "ASH-N", "people")]["value"] == "12"
    hidden = cell[("people_by_segment", "short_decline", "total", "people")]
    assert (hidden["value"], hidden["suppressed"]) == ("", "yes")
    assert cell[("activity", "total", "ASH", "health_cost")]["value"] == str(11 * 1650 + 55 * 420)
    assert cell[("activity", "limited_reserve", "ASH", "health_cost")]["suppressed"] == "yes"
    assert cell[("activity_by_locality", "all", "ASH-N", "people")]["value"] == "50"
    assert {r["section"] for r in rows} == {
        "people_by_segment",
        "activity",
        "activity_by_locality",
        "trend",
        "projection",
    }


def _same(value):
    """A cell as text, numbers compared as numbers (CSV writes 0 where XLSX keeps 0.0)."""
    if value is None:
        return ""
    try:
        return float(value)
    except ValueError:
        return str(value)


def test_needs_xlsx_has_the_same_figures_as_the_csv(borough, client):
    client.force_login(commissioner())
    from_csv = [tuple(_same(v) for v in r.values()) for r in _csv(client)]
    response = client.get(reverse("commissioning-needs-xlsx"), ASKED)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('needs-ASH-2025-26-Q3.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Needs"]
    rows = [tuple(_same(v) for v in r) for r in sheet.iter_rows(values_only=True)]
    assert rows[2] == ("section", "group", "locality", "measure", "value", "suppressed")
    assert rows[3:] == from_csv
    assert [c.value for c in book["Unit costs"][1]][:2] == ["item", "pounds"]


def test_segments_command_for_a_partnership_counts_its_people(borough, capsys):
    # segmenting an area filtered on a column case finding's features do not carry (the
    # partnership) failed with a binder error before
    code, out, err = run_cli(
        ["segments", "--partnership", "ASH", "--as-of", "2025-09-30", "--json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["people"] == 50 and data["segments"]["frailty_dementia"] == 12


def test_needs_downloads_keep_a_loaded_code_from_being_read_as_a_formula(client):
    from onestory.places import actions as places_actions
    from onestory.places.domain.catalogue import (
        Catalogue,
        LocalityRow,
        PartnershipRow,
        PracticeRow,
    )

    build_borough()  # everyone at practice Y02101
    places_actions.load_catalogue(
        Catalogue(
            partnerships=[PartnershipRow("EVIL", "Evil partnership")],
            localities=[LocalityRow("=1+1", "Formula", "EVIL")],
            practices=[PracticeRow("Y02101", "=1+1")],
        ),
        source="test",
        by=SYSTEM,
    )
    client.force_login(commissioner())
    asked = {"partnership": "EVIL", "quarter": "2025-26 Q3"}
    response = client.get(reverse("commissioning-needs-xlsx"), asked)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Needs"]
    localities = {r[2] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert "'=1+1" in localities and "=1+1" not in localities
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("commissioning-needs-csv"), asked).content.decode())
        )
    )
    assert any(r[2] == "'=1+1" for r in rows) and not any(r[2] == "=1+1" for r in rows)


def test_needs_for_the_whole_installation_counts_people_in_no_locality_apart(client):
    build_borough()  # no places loaded: everyone's practice is in no locality
    got = queries.needs_figures(by=SYSTEM, quarter=Q3)
    assert got["area"] == "Whole installation" and got["people"] == 50
    assert got["localities"] == [{"code": "", "name": "Not in a loaded locality"}]
    assert by_key(got["activity_by_locality"])[""]["people"] == 50
    client.force_login(commissioner())
    html = client.get(reverse("commissioning-needs"), {"quarter": "2025-26 Q3"}).content.decode()
    assert "Not in a loaded locality" in html and 'data-testid="locality-none"' in html
