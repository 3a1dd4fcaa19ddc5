"""Policy scenarios week by week, hand-worked, and their invariants as properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestory.budgets.domain.money import pounds_to_pence as p
from onestory.budgets.domain.scenarios import (
    CAP2021,
    CARE_CAP_2021,
    CURRENT,
    FLOOR2017,
    FLOOR_2017,
    SCENARIOS,
    Situation,
    project,
)


def test_current_at_home_above_upper_limit_pays_full_cost():
    # £30,000 savings > £23,250: full £500 a week. Spare income 250 − 220.85 (MIG) = 29.15,
    # the other 470.85 from savings: 30,000 − 4 × 470.85 = 28,116.60.
    s = Situation(p("30000"), 0, p("250"), p("500"), "home", age=70)
    result = project(s, CURRENT, 4)
    assert [w.person for w in result.weeks] == [p("500")] * 4
    assert result.capital_left == p("28116.60")
    assert result.council_total == 0
    assert result.limit_reached_week is None


def test_current_care_home_property_counts_after_twelve_weeks():
    # Weeks 1–12: home disregarded, £10,000 capital → 200 − 30.65 = 169.35 a week.
    # Week 13: 10,000 + 200,000 > 23,250 → full £800: 169.35 income + 630.65 savings.
    s = Situation(p("10000"), p("200000"), p("200"), p("800"), "care_home")
    result = project(s, CURRENT, 13)
    assert result.weeks[11].person == p("169.35")
    assert result.weeks[12].person == p("800")
    assert result.weeks[12].capital == p("10000") - p("630.65") + p("200000")
    assert result.limit_reached_week is None


def test_cap2021_meters_personal_care_only_and_stops_at_the_cap():
    # £200,000 savings, no income, £10,200 a week in a care home: £200 daily living costs,
    # £10,000 personal care. Weeks 1–8 meter 8 × 10,000 = 80,000; week 9 meters the last
    # 6,000 (paying 6,200); from week 10 the person pays only the £200 daily living costs.
    s = Situation(p("200000"), 0, 0, p("10200"), "care_home")
    result = project(s, CAP2021, 10)
    assert result.cap_reached_week == 9
    assert result.weeks[8].person == p("6200")
    assert result.weeks[9].person == p("200")
    assert result.metered_total == CARE_CAP_2021
    # 8 × 10,200 + 6,200 + 200 = 88,000 paid; council 4,000 + 10,000.
    assert result.person_total == p("88000")
    assert result.council_total == p("14000")
    assert result.capital_left == p("112000")


def test_floor2017_at_home_counts_the_home_and_stops_at_the_floor():
    # £20,000 savings + £100,000 home = £120,000 > £100,000 floor, income = MIG (no spare):
    # £1,000 a week from savings for 20 weeks, then capital is £100,000 and the council pays.
    s = Situation(p("20000"), p("100000"), p("220.85"), p("1000"), "home", age=70)
    result = project(s, FLOOR2017, 25)
    assert result.person_total == p("20000")
    assert result.council_total == p("5000")
    assert result.capital_left == FLOOR_2017
    assert result.limit_reached_week == 21


def test_floor2017_care_home_defers_against_the_home():
    # No savings, £150,000 home: £1,000 a week deferred against the home for 50 weeks.
    s = Situation(0, p("150000"), p("30.65"), p("1000"), "care_home")
    result = project(s, FLOOR2017, 60)
    assert result.deferred_total == p("50000")
    assert result.capital_left == FLOOR_2017
    assert result.limit_reached_week == 51


def test_project_unknown_scenario_is_refused():
    with pytest.raises(ValueError):
        project(Situation(0, 0, 0, 0, "home"), "dilnot", 1)


money = st.integers(min_value=0, max_value=600_000_00)
weekly = st.integers(min_value=0, max_value=3_000_00)
situations = st.builds(
    Situation,
    capital=money,
    property=money,
    weekly_income=weekly,
    weekly_cost=st.integers(min_value=0, max_value=5_000_00),
    setting=st.sampled_from(["home", "care_home"]),
    age=st.integers(min_value=18, max_value=100),
    partner_in_home=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(situations, st.sampled_from(SCENARIOS))
def test_projection_contributions_never_negative_nor_above_cost(situation, scenario):
    for week in project(situation, scenario, 30).weeks:
        assert 0 <= week.person <= situation.weekly_cost
        assert week.person + week.council == situation.weekly_cost
        assert week.capital >= 0


@settings(max_examples=60, deadline=None)
@given(situations, st.integers(min_value=1, max_value=600))
def test_cap2021_metered_total_never_exceeds_86000(situation, weeks):
    result = project(situation, CAP2021, weeks)
    assert result.metered_total <= CARE_CAP_2021
    assert all(w.metered <= CARE_CAP_2021 for w in result.weeks)


@settings(max_examples=60, deadline=None)
@given(situations)
def test_floor2017_capital_never_falls_below_the_floor(situation):
    start = situation.capital + situation.property
    result = project(situation, FLOOR2017, 200)
    assert result.capital_left >= min(start, FLOOR_2017)
