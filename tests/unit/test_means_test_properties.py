"""Properties of the means test: bounded, and monotone in capital."""

from hypothesis import given, settings
from hypothesis import strategies as st

from onestory.budgets.domain.means_test import (
    CARE_ACT_2014,
    REFORM_2021,
    Circumstances,
    Finances,
    assess,
)

capital = st.integers(min_value=0, max_value=500_000_00)
circumstances = st.builds(
    Circumstances,
    setting=st.sampled_from(["home", "care_home"]),
    age=st.integers(min_value=18, max_value=105),
    partner_in_home=st.booleans(),
    care_home_week=st.none() | st.integers(min_value=1, max_value=30),
    enhanced_disability_premium=st.booleans(),
    carer=st.booleans(),
    children=st.integers(min_value=0, max_value=4),
)
finances = st.builds(
    Finances,
    capital=capital,
    property=capital,
    weekly_income=st.integers(min_value=0, max_value=2_000_00),
    disability_related_expenditure=st.integers(min_value=0, max_value=100_00),
)
costs = st.integers(min_value=0, max_value=5_000_00)
limits = st.sampled_from([CARE_ACT_2014, REFORM_2021])


@settings(max_examples=300, deadline=None)
@given(finances, circumstances, costs, limits)
def test_contribution_never_negative_nor_above_cost(f, c, cost, lim):
    result = assess(f, c, cost, limits=lim)
    assert 0 <= result.person_weekly <= cost
    assert result.person_weekly + result.council_weekly == cost


@settings(max_examples=300, deadline=None)
@given(finances, circumstances, costs, limits, st.integers(min_value=0, max_value=100_000_00))
def test_more_capital_never_lowers_the_contribution(f, c, cost, lim, extra):
    richer = Finances(
        f.capital + extra, f.property, f.weekly_income, f.disability_related_expenditure
    )
    before = assess(f, c, cost, limits=lim).person_weekly
    assert assess(richer, c, cost, limits=lim).person_weekly >= before
