"""Published rate tables: MIG by financial year and band, PEA."""

from datetime import date

import pytest

from onestory.budgets.domain.money import format_pounds, pounds_to_pence
from onestory.budgets.domain.rates import (
    financial_year_of,
    minimum_income_guarantee,
    personal_expenses_allowance,
)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"age": 18}, 153_95),
        ({"age": 65}, 153_95),
        ({"age": 40, "enhanced_disability_premium": True}, 177_00),
        ({"age": 66}, 220_85),
        ({"age": 90, "enhanced_disability_premium": True}, 220_85),
        ({"age": 70, "carer": True}, 220_85 + 49_05),
        ({"age": 30, "children": 2}, 153_95 + 2 * 94_90),
    ],
)
def test_minimum_income_guarantee_2023_24_published_rates(kwargs, expected):
    assert minimum_income_guarantee(year=2023, **kwargs) == expected


def test_minimum_income_guarantee_later_year_uses_latest_rates_in_force():
    assert minimum_income_guarantee(70, year=2025) == 220_85


def test_minimum_income_guarantee_before_the_table_is_refused():
    with pytest.raises(ValueError, match="no minimum income guarantee rates for 2019/20"):
        minimum_income_guarantee(70, year=2019)


def test_minimum_income_guarantee_under_18_is_refused():
    with pytest.raises(ValueError):
        minimum_income_guarantee(17, year=2023)


def test_personal_expenses_allowance_2025_26_is_30_65():
    assert personal_expenses_allowance(2025) == 30_65


@pytest.mark.parametrize(
    ("day", "year"), [(date(2025, 3, 31), 2024), (date(2025, 4, 1), 2025), (date(2026, 1, 5), 2025)]
)
def test_financial_year_of_starts_in_april(day, year):
    assert financial_year_of(day) == year


@pytest.mark.parametrize(
    ("text", "pence"), [("1234.5", 123450), ("£1,000", 100000), ("0.005", 1), ("7", 700)]
)
def test_pounds_to_pence_rounds_half_up(text, pence):
    assert pounds_to_pence(text) == pence


def test_pounds_to_pence_rejects_text():
    with pytest.raises(ValueError):
        pounds_to_pence("lots")


def test_format_pounds_groups_thousands():
    assert format_pounds(-123456789) == "-£1,234,567.89"
