"""LACE (van Walraven 2010 points; Charlson from coded conditions)."""

from datetime import date

import polars as pl
import pytest

from onestory.casework import engine
from onestory.casework.domain import charlson, lace


@pytest.mark.parametrize(
    ("days", "points"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (6, 4), (7, 5), (13, 5), (14, 7)]
)
def test_lace_length_of_stay_points(days, points):
    assert lace.length_of_stay_points(days) == points


@pytest.mark.parametrize(("cci", "points"), [(0, 0), (1, 1), (3, 3), (4, 5), (9, 5)])
def test_lace_charlson_points(cci, points):
    assert lace.charlson_points(cci) == points


@pytest.mark.parametrize(("visits", "points"), [(0, 0), (2, 2), (4, 4), (7, 4)])
def test_lace_ed_points_capped_at_four(visits, points):
    assert lace.ed_points(visits) == points


def test_lace_maximum_is_19_and_high_risk_from_10():
    top = lace.lace_index(length_of_stay_days=30, emergency=True, charlson=6, ed_visits_6m=5)
    assert top.total == 19
    assert lace.lace_index(
        length_of_stay_days=4, emergency=True, charlson=3, ed_visits_6m=0
    ).high_risk
    assert not lace.lace_index(
        length_of_stay_days=4, emergency=True, charlson=2, ed_visits_6m=0
    ).high_risk


def test_charlson_counts_each_condition_once_at_its_weight():
    # Heart failure (two codes: once), diabetes 1, CKD 2.
    assert charlson.charlson_index(["84114007", "42343007", "44054006", "709044004"]) == 4
    assert charlson.charlson_index(["38341003"]) == 0


def test_lace_sql_agrees_with_the_domain_rule():
    con = engine.connect()
    people = pl.DataFrame(
        {
            "person_id": [1],
            "birth_date": [date(1940, 1, 1)],
            "sex": ["female"],
            "practice": ["Y1"],
            "neighbourhood": ["LS12"],
            "lives_alone": [True],
            "has_unpaid_carer": [False],
        }
    )
    evidence = pl.DataFrame(
        {
            "person_id": [1, 1, 1],
            "source": ["snomed"] * 3,
            "code": ["84114007", "44054006", "709044004"],
            "start": [date(2020, 1, 1), date(2020, 1, 1), date(2026, 9, 1)],  # CKD after: ignored
            "end": [None, None, None],
        },
        schema_overrides={"end": pl.Date},
    )
    meds = pl.DataFrame(
        {"person_id": [], "code": [], "start": []},
        schema={"person_id": pl.Int64, "code": pl.String, "start": pl.Date},
    )
    hospital = pl.DataFrame(
        {
            "person_id": [1, 1, 1, 1],
            "kind": ["admission", "ae", "ae", "ae"],
            "start": [date(2026, 5, 1), date(2026, 3, 1), date(2026, 4, 30), date(2025, 6, 1)],
            "end": [date(2026, 5, 9), date(2026, 3, 1), date(2026, 4, 30), date(2025, 6, 1)],
            "emergency": [True, False, False, False],
            "destination": ["usual place", "", "", ""],
            "diagnosis": ["Pneumonia", "", "", ""],
        }
    )
    engine.load(con, people=people, evidence=evidence, medications=meds, hospital=hospital)
    row = engine.lace(con, date(2026, 10, 31)).row(0, named=True)
    expected = lace.lace_index(length_of_stay_days=8, emergency=True, charlson=2, ed_visits_6m=2)
    assert row["lace"] == expected.total == 12


def test_lace_two_stays_with_the_same_dates_take_the_emergency_one_in_either_order():
    """Which of two identical-dated stays counts must not depend on the engine's row order
    (Spark and DuckDB read rows in different orders)."""
    con = engine.connect()
    con.execute("SET threads = 1")
    ids = list(range(1, 41))
    people = pl.DataFrame(
        {
            "person_id": ids,
            "birth_date": [date(1940, 1, 1)] * 40,
            "sex": ["female"] * 40,
            "practice": ["Y1"] * 40,
            "neighbourhood": ["LS12"] * 40,
            "lives_alone": [True] * 40,
            "has_unpaid_carer": [False] * 40,
        }
    )
    evidence = pl.DataFrame(
        schema={"person_id": pl.Int64, "source": pl.String, "code": pl.String,
                "start": pl.Date, "end": pl.Date}
    )  # fmt: skip
    meds = pl.DataFrame(schema={"person_id": pl.Int64, "code": pl.String, "start": pl.Date})
    hospital = pl.DataFrame(
        {
            "person_id": ids + ids,  # the elective stay first, then the emergency one
            "kind": ["admission"] * 80,
            "start": [date(2026, 5, 1)] * 80,
            "end": [date(2026, 5, 3)] * 80,
            "emergency": [False] * 40 + [True] * 40,
            "destination": ["usual place"] * 80,
            "diagnosis": ["Pneumonia"] * 80,
        }
    )
    engine.load(con, people=people, evidence=evidence, medications=meds, hospital=hospital)
    scores = engine.lace(con, date(2026, 10, 31))["lace"].to_list()
    expected = lace.lace_index(length_of_stay_days=2, emergency=True, charlson=0, ed_visits_6m=0)
    assert scores == [expected.total] * 40
