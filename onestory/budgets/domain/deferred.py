"""Deferred payment agreements: a care-home resident defers part of their care costs
against the value of their home, with interest, up to an equity limit."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from onestory.budgets.domain.means_test import CARE_ACT_2014
from onestory.budgets.domain.money import times_rate

# The statutory guidance leaves 10–20% of the home's value as a buffer against a fall in
# its price, and the lower capital limit on top: 90% is the usual (and most generous) cap.
DEFAULT_LOAN_TO_VALUE = Decimal("0.90")
WEEKS_PER_YEAR = 52


def equity_limit(
    property_value: int,
    *,
    loan_to_value: Decimal = DEFAULT_LOAN_TO_VALUE,
    lower_capital_limit: int = CARE_ACT_2014.lower,
) -> int:
    """The most that can be deferred in total, interest included: `loan_to_value` of the
    home's value less the lower capital limit, in pence (never negative)."""
    if not Decimal(0) < loan_to_value <= Decimal(1):
        raise ValueError("loan_to_value must be above 0 and at most 1")
    return max(0, times_rate(property_value, loan_to_value) - lower_capital_limit)


@dataclass(frozen=True)
class DeferredWeek:
    week: int
    deferred: int
    interest: int
    balance: int


@dataclass(frozen=True)
class DeferredPaymentStatement:
    weeks: tuple[DeferredWeek, ...]
    amount_deferred: int
    interest: int
    balance: int
    equity_limit: int
    limit_reached_week: int | None
    not_deferred: int


def defer_payments(
    weekly_amounts: Iterable[int],
    *,
    property_value: int,
    annual_interest_rate: Decimal,
    loan_to_value: Decimal = DEFAULT_LOAN_TO_VALUE,
    lower_capital_limit: int = CARE_ACT_2014.lower,
) -> DeferredPaymentStatement:
    """Defer each week's amount (pence) against the home. Interest compounds weekly at
    `annual_interest_rate` / 52 on the balance brought forward; nothing more is deferred once
    the balance reaches the equity limit (what could not be deferred is `not_deferred`)."""
    if annual_interest_rate < 0:
        raise ValueError("the interest rate cannot be negative")
    limit = equity_limit(
        property_value, loan_to_value=loan_to_value, lower_capital_limit=lower_capital_limit
    )
    weekly_rate = annual_interest_rate / WEEKS_PER_YEAR
    balance = deferred_total = interest_total = refused = 0
    reached: int | None = None
    rows: list[DeferredWeek] = []
    for week, amount in enumerate(weekly_amounts, start=1):
        if amount < 0:
            raise ValueError("a deferred amount cannot be negative")
        interest = times_rate(balance, weekly_rate)
        balance += interest
        deferred = max(0, min(amount, limit - balance))
        refused += amount - deferred
        balance += deferred
        deferred_total += deferred
        interest_total += interest
        if reached is None and balance >= limit:
            reached = week
        rows.append(DeferredWeek(week, deferred, interest, balance))
    return DeferredPaymentStatement(
        weeks=tuple(rows),
        amount_deferred=deferred_total,
        interest=interest_total,
        balance=balance,
        equity_limit=limit,
        limit_reached_week=reached,
        not_deferred=refused,
    )
