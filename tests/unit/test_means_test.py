"""The Care Act 2014 means test at every boundary, each case with its arithmetic."""

import pytest

from onestory.budgets.domain.means_test import (
    CARE_ACT_2014,
    CARE_HOME,
    HOME,
    REFORM_2021,
    Circumstances,
    Finances,
    assess,
    property_counted,
    tariff_income,
)
from onestory.budgets.domain.money import pounds_to_pence as p


def _care_home(capital, *, limits=CARE_ACT_2014, income="200", cost="800"):
    return assess(
        Finances(capital=p(capital), weekly_income=p(income)),
        Circumstances(setting=CARE_HOME),
        p(cost),
        limits=limits,
    )


# Care home, no property, income £200, cost £800, PEA £30.65 (2025/26):
# contribution = £200 + tariff − £30.65 = £169.35 + tariff, unless above the upper limit.
CURRENT_LIMIT_CASES = [
    ("14250", "169.35"),  # at the lower limit: no tariff; 200 − 30.65
    ("14251", "170.35"),  # £1 over: one part of £250 → £1 tariff; 169.35 + 1
    ("15750", "175.35"),  # 1,500 / 250 = 6 steps exactly → £6; 169.35 + 6
    ("15751", "176.35"),  # 1,501 / 250 = 6.004 → 7 (or part) → £7; 169.35 + 7
    ("23250", "205.35"),  # at the upper limit: 9,000 / 250 = 36 → £36; 169.35 + 36
    ("23251", "800.00"),  # above the upper limit: full cost
]


@pytest.mark.parametrize(("capital", "expected"), CURRENT_LIMIT_CASES)
def test_means_test_care_act_limits_at_each_boundary(capital, expected):
    assert _care_home(capital).person_weekly == p(expected)


# The same under the 2021 reform limits (£20,000 / £100,000).
REFORM_LIMIT_CASES = [
    ("20000", "169.35"),  # at the lower limit: no tariff
    ("20001", "170.35"),  # one part of £250 → £1
    ("21500", "175.35"),  # 1,500 / 250 = 6 → £6
    ("21501", "176.35"),  # 1,501 / 250 → 7 → £7
    ("100000", "489.35"),  # 80,000 / 250 = 320 → £320; 200 + 320 − 30.65
    ("100001", "800.00"),  # above the upper limit: full cost
]


@pytest.mark.parametrize(("capital", "expected"), REFORM_LIMIT_CASES)
def test_means_test_reform_limits_at_each_boundary(capital, expected):
    assert _care_home(capital, limits=REFORM_2021).person_weekly == p(expected)


def test_means_test_council_pays_the_rest_of_the_cost():
    # 800 − 205.35 = 594.65
    assert _care_home("23250").council_weekly == p("594.65")


@pytest.mark.parametrize(
    ("capital", "tariff"),
    [
        ("0", "0"),
        ("14250.00", "0"),
        ("14250.01", "1"),  # one penny over is a "part of £250"
        ("14500.00", "1"),  # exactly one £250
        ("14500.01", "2"),
        ("23250", "36"),
        ("50000", "36"),  # tariff stops at the upper limit (full cost applies above it)
    ],
)
def test_tariff_income_one_pound_per_250_or_part(capital, tariff):
    assert tariff_income(p(capital)) == p(tariff)


def _home(income, *, age=70, cost="300", capital="0", property="0", dre="0", **circ):
    return assess(
        Finances(
            capital=p(capital),
            property=p(property),
            weekly_income=p(income),
            disability_related_expenditure=p(dre),
        ),
        Circumstances(setting=HOME, age=age, **circ),
        p(cost),
        year=2023,
    )


# Care at home, 2023/24 MIG; contribution = income + tariff − MIG − DRE, floored at 0.
MIG_CASES = [
    ({"income": "153.95", "age": 40}, "0.00"),  # 153.95 − 153.95 (18 to pension age)
    ({"income": "160.00", "age": 40}, "6.05"),  # 160.00 − 153.95
    ({"income": "200.00", "age": 40, "enhanced_disability_premium": True}, "23.00"),
    # ^ 200.00 − 177.00 (with enhanced disability premium)
    ({"income": "220.85", "age": 66}, "0.00"),  # pension-credit age: 220.85 − 220.85
    ({"income": "220.85", "age": 65}, "66.90"),  # one year younger: 220.85 − 153.95
    ({"income": "300.00", "age": 70}, "79.15"),  # 300 − 220.85
    ({"income": "300.00", "age": 70, "carer": True}, "30.10"),  # 300 − (220.85 + 49.05)
    ({"income": "250.00", "age": 40, "children": 1}, "1.15"),  # 250 − (153.95 + 94.90)
    ({"income": "300.00", "age": 70, "dre": "20"}, "59.15"),  # 300 − 220.85 − 20 DRE
    ({"income": "200.00", "age": 70}, "0.00"),  # below the MIG: never negative
    ({"income": "1000", "age": 70, "cost": "100"}, "100.00"),  # never above the cost
    ({"income": "250", "age": 70, "capital": "15000"}, "32.15"),
    # ^ tariff 750 / 250 = 3 → £3; 250 + 3 − 220.85
]


@pytest.mark.parametrize(("kwargs", "expected"), MIG_CASES)
def test_means_test_minimum_income_guarantee_at_home(kwargs, expected):
    assert _home(**kwargs).person_weekly == p(expected)


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        ("30.65", "0.00"),  # exactly the PEA: 30.65 − 30.65
        ("30.66", "0.01"),  # one penny over the PEA
        ("20.00", "0.00"),  # below the PEA: never negative
    ],
)
def test_means_test_personal_expenses_allowance_floor(income, expected):
    assert _care_home("0", income=income).person_weekly == p(expected)


# Property in and out: income £200, cost £800 in a care home (PEA 30.65); £250 at home.
PROPERTY_CASES = [
    # At home the home never counts: capital 10,000 → no tariff; 250 − 220.85 = 29.15.
    ({"setting": HOME}, None, "29.15"),
    # Care home past the 12 weeks: 10,000 + 300,000 > 23,250 → full cost.
    ({"setting": CARE_HOME}, None, "800.00"),
    # Partner or qualifying relative at home: disregarded → 200 − 30.65.
    ({"setting": CARE_HOME, "partner_in_home": True}, None, "169.35"),
    # Week 12 of the 12-week disregard: disregarded → 169.35.
    ({"setting": CARE_HOME, "care_home_week": 12}, None, "169.35"),
    # Week 13: counted → full cost.
    ({"setting": CARE_HOME, "care_home_week": 13}, None, "800.00"),
    # A small home counted: 10,000 + 5,000 = 15,000 → 750 / 250 = 3 → 169.35 + 3.
    ({"setting": CARE_HOME}, "5000", "172.35"),
]


@pytest.mark.parametrize(("circ", "property_value", "expected"), PROPERTY_CASES)
def test_means_test_property_in_and_out(circ, property_value, expected):
    setting = circ["setting"]
    income, cost = ("250", "300") if setting == HOME else ("200", "800")
    result = assess(
        Finances(
            capital=p("10000"), property=p(property_value or "300000"), weekly_income=p(income)
        ),
        Circumstances(age=70, **circ),
        p(cost),
        year=2025,
    )
    assert result.person_weekly == p(expected)


def test_property_counted_says_why_it_is_disregarded():
    counted, why = property_counted(Circumstances(setting=CARE_HOME, partner_in_home=True))
    assert not counted
    assert "partner or qualifying relative" in why


def test_means_test_explains_each_step():
    steps = _care_home("15751").steps
    assert any("Tariff income £7.00" in s for s in steps)
    assert steps[-1] == "The person pays £176.35 of £800.00; the council pays £623.65."


def test_means_test_negative_capital_is_refused():
    with pytest.raises(ValueError):
        Finances(capital=-1)
