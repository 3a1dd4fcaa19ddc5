"""Indicator definitions, quarters and figures (pure), the engine's SQL against
commissioning's rules, and a small nation's panel against its own tables."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from onestory.commissioning.domain import bcf
from onestory.evaluation.indicators import domain as d
from onestory.evaluation.indicators import engine
from onestory.evaluation.indicators.nation import nation_panel


def test_quarter_parses_labels_and_knows_its_days():
    q = d.Quarter.parse("2025q3")
    assert q.label == "2025Q3" and q.start == date(2025, 7, 1) and q.end == date(2025, 9, 30)
    assert d.Quarter.parse("2025Q4").next() == d.Quarter(2026, 1)
    assert d.Quarter.of(date(2026, 2, 14)) == d.Quarter(2026, 1)
    assert [x.label for x in d.quarters(d.Quarter(2024, 4), d.Quarter(2025, 2))] == [
        "2024Q4",
        "2025Q1",
        "2025Q2",
    ]
    with pytest.raises(ValueError, match="not like 2025Q3"):
        d.Quarter.parse("2025-Q3")


def test_last_complete_quarter_is_the_one_before_today_unless_today_ends_it():
    assert d.last_complete(date(2026, 11, 28)) == d.Quarter(2026, 3)
    assert d.last_complete(date(2026, 1, 1)) == d.Quarter(2025, 4)


def test_quarter_year_gives_commissioning_the_quarter_as_its_reablement_window():
    y = d.QuarterYear(2025, 2)
    assert y.reablement_window == (date(2025, 4, 1), date(2025, 6, 30))
    assert y.holds(date(2025, 6, 30)) and not y.holds(date(2025, 7, 1))
    assert y.label == "2025Q2"


def test_standardised_rate_equals_crude_when_every_band_has_the_same_rate():
    population = [1000] * d.BANDS
    observed = [10] * d.BANDS
    row = d.row(d.INDICATORS["emergency_admissions"], observed, population)
    assert row["rate_per_100k"] == pytest.approx(1000.0)
    assert row["std_rate_per_100k"] == pytest.approx(1000.0)
    assert row["ci_low"] < 1000.0 < row["ci_high"]


def test_older_people_indicator_uses_the_six_bands_from_65():
    population = [1000] * d.BANDS
    observed = [0] * d.OLDER_BAND + [5] * (d.BANDS - d.OLDER_BAND)
    row = d.row(d.INDICATORS["falls_65plus"], observed, population)
    assert (row["numerator"], row["denominator"]) == (30, 6000)
    assert row["std_rate_per_100k"] == pytest.approx(500.0)


def test_percentage_has_wilson_interval_and_no_standardised_rate():
    row = d.row(d.INDICATORS["reablement_91d"], [8], [10])
    assert row["rate_per_100k"] == pytest.approx(80.0) and row["std_rate_per_100k"] is None
    assert 0 < row["ci_low"] < 80 < row["ci_high"] <= 100


def test_cost_per_head_is_pounds_over_people():
    row = d.row(d.INDICATORS["cost_per_head"], [5000.4], [50])
    assert row["numerator"] == 5000 and row["rate_per_100k"] == pytest.approx(100.0)
    assert row["ci_low"] is None


def test_published_withholds_a_figure_behind_a_count_of_1_to_7():
    base = {"indicator": "falls_65plus", "numerator": 7, "denominator": 400}
    base.update(rate_per_100k=1750.0, std_rate_per_100k=1800.0, ci_low=700.0, ci_high=3600.0)
    shown = d.published(base)
    assert shown["suppressed"] and shown["numerator"] is None and shown["rate_per_100k"] is None
    assert shown["denominator"] == 400
    shown = d.published({**base, "numerator": 0})
    assert not shown["suppressed"] and shown["numerator"] == 0
    cost = d.published({**base, "indicator": "cost_per_head", "numerator": 3, "denominator": 50})
    assert not cost["suppressed"]  # pounds, not people


def test_unknown_or_not_computable_indicator_says_why():
    with pytest.raises(d.UnknownIndicator, match="medically-fit"):
        d.check_names(["delayed_discharges"])
    with pytest.raises(d.UnknownIndicator, match="indicators: emergency_admissions"):
        d.check_names(["happiness"])


def _tables(care: list[tuple]) -> dict[str, pl.DataFrame]:
    people = pl.DataFrame(
        {"person_id": [1, 2, 3], "birth_date": [date(1950, 1, 1)] * 3, "died": [None] * 3},
        schema={"person_id": pl.Int64, "birth_date": pl.Date, "died": pl.Date},
    )
    return {
        "people": people,
        "residence": pl.DataFrame(
            {
                "person_id": [1, 2, 3],
                "partnership": ["P"] * 3,
                "locality": ["L"] * 3,
                "valid_from": [date(1900, 1, 1)] * 3,
                "valid_to": [None] * 3,
            },
            schema_overrides={"valid_to": pl.Date},
        ),
        "spells": pl.DataFrame(
            schema={
                "person_id": pl.Int64,
                "admitted": pl.Date,
                "discharged": pl.Date,
                "emergency": pl.Boolean,
                "acsc": pl.Boolean,
                "fall": pl.Boolean,
                "destination": pl.String,
            }
        ),
        "ae": pl.DataFrame(schema={"person_id": pl.Int64, "arrived": pl.Date}),
        "care": pl.DataFrame(
            care,
            schema={"person_id": pl.Int64, "setting": pl.String, "start": pl.Date, "end": pl.Date},
            orient="row",
        ),
        "reablement": pl.DataFrame(
            schema={"person_id": pl.Int64, "discharged": pl.Date, "at_home": pl.Boolean}
        ),
    }


def test_engine_counts_new_placements_as_commissioning_rule_does():
    care = [
        (1, "residential", date(2025, 4, 10), date(2025, 5, 31)),
        (1, "nursing", date(2025, 6, 3), None),  # within 7 days: a move, not new
        (2, "residential", date(2025, 4, 1), date(2025, 4, 20)),
        (2, "residential", date(2025, 8, 1), None),  # months later: new again
        (3, "residential", date(2025, 5, 1), date(2025, 5, 2)),
        (3, "nursing", date(2025, 5, 20), None),  # 18 days later: new, same quarter
    ]
    con = engine.connect()
    engine.load(con, **_tables(care))
    frame = engine.panel(con, [d.Quarter(2025, 2), d.Quarter(2025, 3)], ["care_home_admissions"])
    got = dict(zip(frame["quarter"], frame["numerator"], strict=True))
    episodes = [bcf.CareEpisode(p, 75, s, a, b) for p, s, a, b in care]
    new = bcf.new_placements(episodes)
    expected = {
        q.label: len({e.person_id for e in new if q.start <= e.start <= q.end})
        for q in (d.Quarter(2025, 2), d.Quarter(2025, 3))
    }
    assert got == expected == {"2025Q2": 3, "2025Q3": 1}


@pytest.fixture(scope="module")
def nation(tmp_path_factory) -> Path:
    from onestory.synthetic.nation import generate_nation
    from onestory.synthetic.nation.scenario import build

    out = tmp_path_factory.mktemp("nation")
    scenario = build(seed=5, people=6000, partnerships=2, localities=2, years=3)
    generate_nation(scenario, out, formats={"parquet"})
    return out


def test_nation_panel_counts_every_event_of_its_parquet_tables(nation):
    frame = nation_panel(nation, ["emergency_admissions", "ae_attendances", "falls_65plus"])
    assert frame.columns == list(d.PANEL_COLUMNS)
    assert frame["locality"].n_unique() == 4 and frame["quarter"].n_unique() == 12
    assert frame["quarter"].min() == "2023Q4"
    totals = dict(frame.group_by("indicator").agg(pl.col("numerator").sum()).iter_rows())
    admissions = pl.read_parquet(nation / "parquet" / "admissions.parquet")
    ae = pl.read_parquet(nation / "parquet" / "ae_attendances.parquet")
    assert totals["emergency_admissions"] == admissions.height
    assert totals["ae_attendances"] == ae.height


def test_nation_panel_population_agrees_with_the_nations_own_counts(nation):
    frame = nation_panel(nation, ["emergency_admissions"])
    population = pl.read_csv(nation / "places" / "population.csv")
    ours = frame["denominator"].sum()
    theirs = population["people"].sum()
    # The nation counts ages in fractions of a year and a death on a quarter's first day
    # as alive; a handful of edge cases differ, never more than 0.2%.
    assert abs(ours - theirs) <= 0.002 * theirs
