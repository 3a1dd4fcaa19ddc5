"""Deferred payment agreements: equity limit and weekly compound interest."""

from decimal import Decimal

import pytest

from onestory.budgets.domain.deferred import defer_payments, equity_limit


def test_equity_limit_is_90_percent_less_lower_capital_limit():
    # 90% × 200,000 = 180,000; − 14,250 = 165,750
    assert equity_limit(200_000_00) == 165_750_00


def test_equity_limit_never_negative():
    assert equity_limit(10_000_00) == 0


def test_defer_payments_charges_interest_on_the_balance_brought_forward():
    # Week 1: defer 1,000, no balance yet. Week 2: interest 1,000 × 5.2% / 52 = 1.00,
    # then defer 1,000: balance 2,001.00.
    result = defer_payments(
        [1_000_00, 1_000_00], property_value=200_000_00, annual_interest_rate=Decimal("0.052")
    )
    assert [w.interest for w in result.weeks] == [0, 1_00]
    assert result.balance == 2_001_00
    assert result.amount_deferred == 2_000_00
    assert result.interest == 1_00


def test_defer_payments_stops_at_the_equity_limit():
    # Home £30,000: limit 27,000 − 14,250 = 12,750. Weeks of £5,000 at 0%: 5,000, 10,000,
    # then only 2,750 more; week 4 nothing. Not deferred: 2,250 + 5,000 = 7,250.
    result = defer_payments(
        [5_000_00] * 4, property_value=30_000_00, annual_interest_rate=Decimal(0)
    )
    assert result.balance == 12_750_00
    assert result.limit_reached_week == 3
    assert result.not_deferred == 7_250_00


def test_defer_payments_negative_rate_is_refused():
    with pytest.raises(ValueError):
        defer_payments([1], property_value=1, annual_interest_rate=Decimal("-0.01"))
