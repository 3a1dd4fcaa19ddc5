"""Indicators by locality and quarter from the linked record: the hand-worked borough of the
commissioning tests placed in one locality, the panel for estimators, and the command."""

import csv
import json

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.evaluation.indicators import domain, queries
from onestory.places.models import Locality, Partnership, PracticePlace
from tests.integration.test_commissioning import build_borough, run_cli

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def place_borough():
    partnership = Partnership.objects.create(code="P01", name="Ashbridge Partnership")
    north = Locality.objects.create(code="P01L01", name="North", partnership=partnership)
    Locality.objects.create(code="P01L02", name="South", partnership=partnership)
    PracticePlace.objects.create(ods="Y02101", locality=north)


@pytest.fixture
def borough():
    people = build_borough()
    place_borough()
    return people


def cell(frame, indicator, quarter, locality="P01L01"):
    (row,) = frame.filter(
        (frame["indicator"] == indicator)
        & (frame["quarter"] == quarter)
        & (frame["locality"] == locality)
    ).iter_rows(named=True)
    return row


def test_panel_counts_the_hand_worked_borough_by_quarter(borough):
    frame = queries.locality_quarter_panel(
        by=SYSTEM, indicators=list(domain.INDICATORS), first="2025Q2", last="2025Q4"
    )
    assert frame.columns == list(domain.PANEL_COLUMNS)
    # One locality with the practice, one without anyone: every locality, quarter and
    # indicator is a row, so the panel is balanced for the estimators.
    assert frame.height == 1 * 3 * len(domain.INDICATORS)
    assert set(frame["locality"]) == {"P01L01"}
    # 2025Q2: ten falls (people aged 70) among 50 people, 40 of them 65+; the person who
    # opted out of secondary use (a fall too) is not counted.
    falls = cell(frame, "falls_65plus", "2025Q2")
    assert (falls["numerator"], falls["denominator"]) == (10, 40)
    assert falls["rate_per_100k"] == pytest.approx(25_000)
    assert falls["ci_low"] < falls["std_rate_per_100k"] < falls["ci_high"]
    admissions = cell(frame, "emergency_admissions", "2025Q2")
    assert (admissions["numerator"], admissions["denominator"]) == (10, 50)
    assert cell(frame, "discharge_usual_residence", "2025Q2")["rate_per_100k"] == 100.0
    # 2025Q3: eight heart-failure admissions (chronic ACSC), discharged to a care home;
    # nine new residential placements (a move to nursing care is not a new one).
    assert cell(frame, "avoidable_admissions", "2025Q3")["numerator"] == 8
    assert cell(frame, "discharge_usual_residence", "2025Q3")["numerator"] == 0
    assert cell(frame, "discharge_usual_residence", "2025Q3")["denominator"] == 8
    homes = cell(frame, "care_home_admissions", "2025Q3")
    assert (homes["numerator"], homes["denominator"]) == (9, 40)
    # 2025Q4: ten discharged into reablement on 1 November, eight at home on day 91.
    reablement = cell(frame, "reablement_91d", "2025Q4")
    assert (reablement["numerator"], reablement["denominator"]) == (8, 10)
    assert reablement["rate_per_100k"] == pytest.approx(80.0)
    # Bed days: the ten fall spells of four nights each.
    assert cell(frame, "bed_days", "2025Q2")["numerator"] == 40
    cost = cell(frame, "cost_per_head", "2025Q2")
    # Ten spells and their 40 nights, and person 27's 91 days in a care home (residential
    # to 31 May, nursing from 1 June) at £1,100 a week.
    assert cost["numerator"] == 10 * 1650 + 40 * 420 + 91 * 1100 / 7
    assert cost["rate_per_100k"] == pytest.approx(cost["numerator"] / 50)


def test_panel_is_audited_with_counts_only_and_needs_aggregates(borough):
    from django.core.exceptions import PermissionDenied

    from onestory.access.policy import actor_for_user
    from tests import factories as f

    queries.locality_quarter_panel(
        by=SYSTEM, indicators=["emergency_admissions"], first="2025Q2", last="2025Q2"
    )
    event = AuditEvent.objects.get(action="evaluation.indicators")
    assert event.detail["people"] == 50 and event.detail["opted_out_excluded"] == 1
    assert event.detail["quarters"] == "2025Q2-2025Q2"
    gp = actor_for_user(f.user("gp.one", role="gp"))
    with pytest.raises(PermissionDenied):
        queries.locality_quarter_panel(by=gp, indicators=["emergency_admissions"])


def test_published_rows_suppress_small_numbers(borough):
    frame = queries.locality_quarter_panel(
        by=SYSTEM,
        indicators=["avoidable_admissions", "care_home_admissions"],
        first="2025Q3",
        last="2025Q4",
    )
    rows = {(r["indicator"], r["quarter"]): r for r in queries.published(frame)}
    shown = rows[("avoidable_admissions", "2025Q3")]
    assert shown["numerator"] == 8 and shown["suppressed"] is False
    # Q4: the three people moved to nursing care are not new placements: zero is shown.
    assert rows[("care_home_admissions", "2025Q4")]["numerator"] == 0
    assert rows[("care_home_admissions", "2025Q4")]["suppressed"] is False


def test_indicators_command_prints_csv_and_json_suppressed(borough, capsys, tmp_path):
    out_csv = tmp_path / "ind.csv"
    code, out, err = run_cli(
        ["indicators", "--from", "2025Q2", "--to", "2025Q4", "--csv", str(out_csv)], capsys
    )
    assert code == 0, err
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 3 * len(domain.INDICATORS)
    q4 = {r["indicator"]: r for r in rows if r["quarter"] == "2025Q4"}
    # 2025Q4 has one death in hospital among the ten reablement spells: 1-7 is suppressed.
    assert q4["discharge_usual_residence"]["suppressed"] == "no"
    code, out, _ = run_cli(
        [
            "indicators",
            "--locality",
            "P01L01",
            "--from",
            "2025Q4",
            "--to",
            "2025Q4",
            "--indicator",
            "reablement_91d",
            "--json",
        ],
        capsys,
    )
    data = json.loads(out)
    (row,) = data["rows"]
    assert row["numerator"] == 8 and row["rate_per_100k"] == 80.0
    assert "delayed_discharges" in data["not_computable"]
    code, out, _ = run_cli(["indicators", "--from", "2025Q2", "--to", "2025Q2"], capsys)
    assert code == 0
    assert "P01L01 2025Q2 Emergency admissions due to falls" in out
    assert "Not computed, delayed discharges" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--partnership", "QWO"], "Unknown partnership 'QWO'"),
        (["--locality", "North"], "Unknown locality 'North'"),
        (["--from", "2025-Q1"], "not like 2025Q3"),
        (["--indicator", "delayed_discharges"], "cannot be computed"),
        (["--indicator", "happiness"], "Unknown indicator 'happiness'"),
    ],
)
def test_indicators_command_refuses_bad_input_without_a_traceback(borough, argv, message, capsys):
    code, out, err = run_cli(["indicators", "--json", *argv], capsys)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_indicators_command_before_any_linkage_says_so(capsys):
    code, out, err = run_cli(["indicators"], capsys)
    assert code == 2 and "onestory link" in err
