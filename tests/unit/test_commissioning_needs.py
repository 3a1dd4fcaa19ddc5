"""Population needs, the pure parts: financial quarters, the unit-cost table, cost from
activity, how activity tables are suppressed, the projection from the age structure, and the
download rows."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestory.commissioning.domain import needs, projection
from onestory.commissioning.domain import segments as sg

COSTS = needs.load_unit_costs()


# --- quarters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2025-26 Q1", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-26 Q2", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-26 Q3", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025-26 Q4", date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_quarter_parses_and_spans_its_three_months(label, start, end):
    q = needs.Quarter.parse(label)
    assert (q.label, q.start, q.end) == (label, start, end)
    assert needs.Quarter.containing(start) == q == needs.Quarter.containing(end)


@pytest.mark.parametrize("text", ["2025-27 Q1", "2025-26 Q5", "2025 Q1", ""])
def test_quarter_refuses_what_is_not_a_financial_quarter(text):
    with pytest.raises(ValueError, match="financial quarter"):
        needs.Quarter.parse(text)


def test_quarter_last_complete_and_back_run_across_years():
    assert needs.Quarter.last_complete(date(2026, 4, 1)).label == "2025-26 Q4"
    assert needs.Quarter.last_complete(date(2026, 3, 31)).label == "2025-26 Q3"
    eight = needs.Quarter(2025, 2).back(8)
    assert [q.label for q in eight][:2] == ["2023-24 Q3", "2023-24 Q4"]
    assert eight[-1] == needs.Quarter(2025, 2) and len(eight) == 8


# --- unit costs and cost -------------------------------------------------------------------------


def test_unit_cost_table_names_a_source_and_price_year_for_every_item():
    assert set(needs.UNIT_COST_ITEMS) <= set(COSTS.items)
    for u in COSTS.items.values():
        assert u.pounds > 0 and u.source and u.price_year == "2024-25"
    assert "National Cost Collection" in COSTS.items["emergency_admission"].source
    assert "PSSRU" in COSTS.items["care_home_week"].source


def row(people=0, **counts) -> dict:
    return {m: 0 for m in needs.MEASURES} | {"people": people} | counts


def test_cost_is_activity_times_the_unit_costs_by_hand():
    r = row(10, emergency_admissions=2, bed_days=9, ae_attendances=3)
    assert needs.health_cost(r, COSTS) == 2 * 1650 + 9 * 420 + 3 * 242
    r = row(10, care_home_days=14, home_care_days=7, reablement_days=42)
    # 2 weeks in a care home, 1 week of 10 hours' home care at £28.50, 6 weeks' reablement
    assert needs.social_care_cost(r, COSTS) == pytest.approx(2 * 1100 + 285 + 6 * 400)


# --- suppression of activity tables -------------------------------------------------------------


def test_activity_row_with_few_people_is_withheld_whole_and_another_goes_with_it():
    rows = [
        {"key": "a", **row(5, care_home_days=92)},  # 5 people: everything in the row withheld
        {"key": "b", **row(20, emergency_admissions=10, care_home_days=60)},
        {"key": "c", **row(40, emergency_admissions=12, care_home_days=0)},
    ]
    a, b, c, total = needs.publish_activity(rows, COSTS)
    assert a["people"] is None and a["care_home_days"] is None and a["health_cost"] is None
    assert a["suppressed"] and total["key"] == "total"
    # the total is shown, so a lone withheld cell in a column takes the smallest other with it
    assert b["people"] is None and c["people"] == 40 and total["people"] == 65
    assert b["care_home_days"] is None and total["care_home_days"] == 152
    assert b["emergency_admissions"] is None and c["emergency_admissions"] == 12
    assert b["health_cost"] is None and c["health_cost"] == 12 * 1650
    assert c["cost_per_head"] == pytest.approx(12 * 1650 / 40)


def test_activity_small_count_withholds_its_rows_cost_but_not_its_people():
    rows = [
        {"key": "a", **row(30, emergency_admissions=3)},
        {"key": "b", **row(30, emergency_admissions=20)},
        {"key": "c", **row(30, emergency_admissions=25)},
    ]
    a, b, c, _total = needs.publish_activity(rows, COSTS)
    assert a["people"] == 30 and a["emergency_admissions"] is None
    assert a["health_cost"] is None and a["cost_per_head"] is None
    # secondary: the smallest other non-zero count and cost go too
    assert b["emergency_admissions"] is None and b["health_cost"] is None
    assert c["emergency_admissions"] == 25 and c["health_cost"] == 25 * 1650


def test_activity_of_no_one_shows_zero_and_no_cost_per_head():
    (empty, total) = needs.publish_activity([{"key": "a", **row(0)}], COSTS)
    assert empty["people"] == 0 and empty["health_cost"] == 0
    assert empty["cost_per_head"] is None and not empty["suppressed"]


# --- projection ---------------------------------------------------------------------------------

SEGMENTS = sg.ORDER


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 105), st.sampled_from(SEGMENTS)),
        st.integers(1, 500),
        min_size=1,
        max_size=30,
    )
)
def test_projection_at_horizon_zero_gives_todays_counts_back(counts):
    now = projection.project(counts, SEGMENTS, (0,))[0]
    for s in SEGMENTS:
        expected = sum(n for (_age, seg), n in counts.items() if seg == s)
        assert now[s] == pytest.approx(expected)


def test_projection_ages_a_cohort_on_with_the_life_table():
    # 1,000 people aged 70 in one segment: in 5 years they are 75 and fewer
    counts = {(70, sg.CHRONIC): 1000}
    alive = 1000.0
    for age in range(70, 75):
        alive *= 1 - projection.death_probability(age)
    got = projection.project(counts, SEGMENTS, (5,))[5]
    assert got[sg.CHRONIC] == pytest.approx(alive)
    assert sum(got.values()) == pytest.approx(alive)
    assert 870 < alive < 900  # about 2-3% a year at 70-74


def test_projection_applies_todays_age_band_rates_to_the_aged_on_population():
    # At 60-64 everyone is healthy; at 65-69 half are chronic. In five years the 60-year-olds
    # are 65 and take the 65-69 band's rates.
    counts = {(60, sg.HEALTHY): 100, (65, sg.HEALTHY): 50, (65, sg.CHRONIC): 50}
    got = projection.project(counts, SEGMENTS, (5,))[5]
    survivors_60 = 100 * _survive(60, 5)
    survivors_65 = 100 * _survive(65, 5)  # now 70: the 70-74 band is empty, whole shares
    whole = {sg.HEALTHY: 150 / 200, sg.CHRONIC: 50 / 200}
    assert got[sg.CHRONIC] == pytest.approx(survivors_60 * 0.5 + survivors_65 * whole[sg.CHRONIC])


def _survive(age: int, years: int) -> float:
    p = 1.0
    for a in range(age, age + years):
        p *= 1 - projection.death_probability(a)
    return p


def test_projection_keeps_births_as_many_as_the_infants_now():
    counts = {(0, sg.MATERNAL_INFANT): 100}
    aged = projection.age_on({0: 100.0}, 2)
    assert aged[0] == 100.0 and 99 < aged[1] < 100 and 99 < aged[2] < 100
    assert projection.project(counts, SEGMENTS, (2,))[2][sg.MATERNAL_INFANT] > 100


def test_life_table_is_gompertz_and_close_to_englands_at_80():
    assert projection.death_probability(80) == pytest.approx(0.0498, abs=0.001)
    assert projection.death_probability(200) == 1.0


@pytest.mark.parametrize(("value", "current", "shown"), [(123.4, 120, 120), (5.0, 0, 0)])
def test_projected_counts_are_rounded_to_ten(value, current, shown):
    assert projection.published(value, current) == shown


def test_projection_of_a_withheld_count_is_withheld():
    assert projection.published(350.0, None) is None


# --- downloads ----------------------------------------------------------------------------------


def test_export_rows_mark_withheld_cells_empty_and_suppressed():
    activity = needs.publish_activity([{"key": "a", **row(5)}, {"key": "b", **row(0)}], COSTS)
    figures = {
        "partnership": "P01",
        "locality": "P01L01",
        "people_by_segment": [{"key": "a", "localities": {"P01L01": None}, "total": None}],
        "activity": activity,
        "trend": [],
        "projection": {
            "horizons": [5, 10],
            "segments": [{"key": "a", "now": None, "in_5_years": None, "in_10_years": None}],
        },
    }
    rows = needs.export_rows(figures)
    assert rows[0] == ("people_by_segment", "a", "P01L01", "people", "", True)
    per_head = {(r[1], r[3]): r for r in rows if r[0] == "activity"}
    assert per_head[("a", "cost_per_head")][4:] == ("", True)
    assert per_head[("b", "cost_per_head")][4:] == ("", False)  # no one: empty, not withheld
    assert [r[3] for r in rows if r[0] == "projection"] == ["now", "in_5_years", "in_10_years"]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@x", "'@x"),
        ("-1+1", "'-1+1"),
        ("P01L01", "P01L01"),
        (-3, -3),
        (12.5, 12.5),
        ("", ""),
    ],
)
def test_spreadsheet_safe_keeps_text_from_being_read_as_a_formula(value, safe):
    assert needs.spreadsheet_safe(value) == safe


def test_a_withheld_needs_figure_reads_not_shown_never_fewer_than_8():
    """A hidden cell may be a count of 1 to 7 or a large one hidden so that a total cannot
    give a small one away: the page cannot say "fewer than 8" for both."""
    from onestory.commissioning.templatetags.needs import shown

    assert shown(None) == "not shown"
    assert shown(0) == "0" and shown(1234) == "1,234"
