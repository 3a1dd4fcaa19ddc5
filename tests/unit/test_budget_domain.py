"""Resource allocation, stream balances, spend alerts and direct-payment returns."""

from datetime import date

import pytest

from onestory.budgets.domain.allocation import DEFAULT_TABLE, AllocationTable, indicative_budget
from onestory.budgets.domain.ledger import (
    CLAWBACK,
    INVOICE,
    PAYMENT,
    PLANNED,
    REFUND,
    Entry,
    balance,
    parse_statement,
    reconcile,
    spend_alerts,
)


def test_indicative_budget_points_to_weekly_and_annual_amount():
    # personal care "Substantial help" 7 + mobility "Some help" 3 + carer "No carer" 10 = 20
    # points × £7.50 = £150.00 a week; × 52 = £7,800.00 a year.
    result = indicative_budget(DEFAULT_TABLE, {"personal_care": 2, "mobility": 1, "carer": 2})
    assert result.points == 20
    assert result.weekly == 150_00
    assert result.annual == 7_800_00
    assert [line.points for line in result.lines] == [7, 3, 10]


def test_indicative_budget_council_table_round_trips():
    table = AllocationTable.from_dict(
        {
            "name": "Council X",
            "pence_per_point": 1000,
            "domains": DEFAULT_TABLE.to_dict()["domains"],
        }
    )
    assert indicative_budget(table, {"eating": 3}).weekly == 12 * 10_00


def test_indicative_budget_unknown_level_is_refused():
    with pytest.raises(ValueError):
        indicative_budget(DEFAULT_TABLE, {"eating": 9})


def test_balance_counts_spend_refunds_and_clawback():
    entries = [
        Entry(PLANNED, 500_00, date(2025, 4, 1)),
        Entry(PAYMENT, 200_00, date(2025, 4, 8)),
        Entry(INVOICE, 150_00, date(2025, 4, 9)),
        Entry(REFUND, 50_00, date(2025, 4, 10)),
        Entry(CLAWBACK, 100_00, date(2025, 5, 1)),
    ]
    # spent 200 + 150 − 50 = 300; available 1,000 − 100 − 300 = 600;
    # uncommitted 600 − (500 planned − 300 spent) = 400
    result = balance(1_000_00, entries)
    assert (result.spent, result.available, result.uncommitted) == (300_00, 600_00, 400_00)


@pytest.mark.parametrize(
    ("spent", "today", "kinds"),
    [
        (1_300_00, date(2025, 6, 1), ["overspend"]),  # above the allocation
        (800_00, date(2025, 7, 1), ["overspend"]),  # ~25% expected + 20% margin < 80%
        (100_00, date(2026, 1, 1), ["underspend"]),  # ~75% expected − 20% > 10%
        (500_00, date(2025, 10, 1), []),  # on plan
        (0, date(2025, 5, 1), []),  # too early to call an underspend
    ],
)
def test_spend_alerts(spent, today, kinds):
    alerts = spend_alerts(
        1_200_00, spent, start=date(2025, 4, 1), end=date(2026, 4, 1), today=today
    )
    assert [a.kind for a in alerts] == kinds


STATEMENT = """date,description,amount
2025-04-01,Payment from council,600.00
2025-04-10,Personal assistant wages,-250.00
2025-04-24,Personal assistant wages,-250.00
2025-05-01,Payment from council,600.00
"""


def test_reconcile_proposes_clawback_above_threshold():
    lines = parse_statement(STATEMENT)
    # in 1,200; out 500; closing 100 + 1,200 − 500 = 800; threshold 300 → surplus 500
    result = reconcile(
        lines, opening_balance=100_00, recorded_payments_in=1_200_00, threshold=300_00
    )
    assert result.closing_balance == 800_00
    assert result.proposed_clawback == 500_00
    assert result.difference_in == 0


def test_parse_statement_names_the_bad_line():
    with pytest.raises(ValueError, match="line 3"):
        parse_statement("date,description,amount\n2025-04-01,x,1\n01/04/2025,y,2\n")
