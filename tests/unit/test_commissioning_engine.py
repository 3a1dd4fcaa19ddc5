"""The commissioning engine on DuckDB over plain tables (no Django): areas, and the
installation as the standard for avoidable admissions."""

from datetime import date

import polars as pl
import pytest

from onestory.commissioning import engine
from onestory.commissioning.domain import bcf

YEAR = bcf.Year.parse("2025-26")


def tables(n_a: int = 20, n_b: int = 20, admitted_a: int = 4, admitted_b: int = 1):
    """Practice A and B, everyone aged 70 and female; heart failure admissions in June."""
    ids = list(range(1, n_a + n_b + 1))
    people = pl.DataFrame(
        {
            "person_id": ids,
            "birth_date": [date(1955, 3, 1)] * len(ids),
            "sex": ["female"] * len(ids),
            "practice": ["A"] * n_a + ["B"] * n_b,
            "neighbourhood": ["LS1"] * len(ids),
            "lives_alone": [False] * len(ids),
            "has_unpaid_carer": [False] * len(ids),
        }
    )
    who = ids[:admitted_a] + ids[n_a : n_a + admitted_b]
    hospital = pl.DataFrame(
        {
            "person_id": who,
            "kind": ["admission"] * len(who),
            "start": [date(2025, 6, 1)] * len(who),
            "end": [date(2025, 6, 5)] * len(who),
            "emergency": [True] * len(who),
            "destination": ["usual place of residence"] * len(who),
            "diagnosis": ["Heart failure"] * len(who),
            "diagnosis_code": ["84114007"] * len(who),
        }
    )
    evidence = pl.DataFrame(
        schema={
            "person_id": pl.Int64,
            "source": pl.String,
            "code": pl.String,
            "start": pl.Date,
            "end": pl.Date,
        }
    )
    medications = pl.DataFrame(schema={"person_id": pl.Int64, "code": pl.String, "start": pl.Date})
    return {
        "people": people,
        "evidence": evidence,
        "medications": medications,
        "hospital": hospital,
    }


@pytest.fixture
def con():
    c = engine.connect(1)
    engine.load(c, **tables())
    return c


def test_whole_installation_avoidable_admissions_is_the_crude_rate(con):
    m = engine.bcf_metrics(con, YEAR)
    e = m.estimates[bcf.AVOIDABLE]
    assert (e.numerator, e.denominator) == (5, 40)
    assert e.value == pytest.approx(5 / 40 * 100_000)
    assert m.people == 40 and m.area.label == "Whole installation"


def test_a_practice_is_compared_with_the_installation(con):
    # Same ages and sex everywhere, so the expected count is 20 * 5/40 = 2.5 per practice:
    # practice A sees 4, a ratio of 1.6, so 1.6 * 12,500 = 20,000 per 100,000.
    a = engine.bcf_metrics(con, YEAR, engine.Area("Practice A", "practice", "A"))
    b = engine.bcf_metrics(con, YEAR, engine.Area("Practice B", "practice", "B"))
    assert a.estimates[bcf.AVOIDABLE].value == pytest.approx(20_000.0)
    assert b.estimates[bcf.AVOIDABLE].value == pytest.approx(5_000.0)
    assert (a.people, b.people) == (20, 20)
    assert a.estimates[bcf.DISCHARGE].denominator == 4


def test_segments_for_a_practice_hold_only_its_people(con):
    people = engine.segment_people(con, date(2026, 3, 31), engine.Area("B", "practice", "B"))
    assert people.height == 20 and set(people["practice"]) == {"B"}
    counts = engine.segment_counts(people)
    assert counts["acutely_ill"] == 1 and counts["healthy"] == 19
    assert list(counts) == list(engine.sg.ORDER)


def test_an_area_must_be_a_column_people_are_grouped_by():
    with pytest.raises(ValueError):
        engine.Area("Everywhere", "nhs_number", "x")
