"""A budget stream's ledger: balances, spend alerts and direct-payment returns, in pence."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from onestory.budgets.domain.money import format_pounds, pounds_to_pence

# Ledger entry kinds. Planned spend commits money without spending it; payments and invoices
# spend it; a direct-payment return records what the holder's statement showed as unspent;
# a clawback gives unspent money back to the funder (it lowers the stream's allocation).
PLANNED = "planned"
PAYMENT = "payment"
INVOICE = "invoice"
REFUND = "refund"
CLAWBACK = "clawback"
SPEND_KINDS = (PAYMENT, INVOICE)
ENTRY_KINDS = (PLANNED, PAYMENT, INVOICE, REFUND, CLAWBACK)


@dataclass(frozen=True)
class Entry:
    kind: str
    amount: int  # pence, always positive; the kind says which way it goes
    on: date


@dataclass(frozen=True)
class Balance:
    allocated: int
    planned: int
    spent: int
    clawed_back: int
    available: int  # allocation less clawbacks less actual spend
    uncommitted: int  # available less planned spend not yet spent


def balance(allocated: int, entries: Iterable[Entry]) -> Balance:
    """Totals for one stream. Refunds (money back from a provider) reduce spend."""
    totals = dict.fromkeys(ENTRY_KINDS, 0)
    for e in entries:
        if e.kind not in totals:
            raise ValueError(f"unknown ledger entry kind {e.kind!r}")
        if e.amount < 0:
            raise ValueError("ledger amounts are positive; the kind gives the direction")
        totals[e.kind] += e.amount
    spent = totals[PAYMENT] + totals[INVOICE] - totals[REFUND]
    available = allocated - totals[CLAWBACK] - spent
    return Balance(
        allocated=allocated,
        planned=totals[PLANNED],
        spent=spent,
        clawed_back=totals[CLAWBACK],
        available=available,
        uncommitted=available - max(0, totals[PLANNED] - spent),
    )


@dataclass(frozen=True)
class Alert:
    kind: str  # "overspend" | "underspend"
    message: str


def spend_alerts(
    allocated: int,
    spent: int,
    *,
    start: date,
    end: date,
    today: date,
    tolerance_percent: int = 20,
) -> tuple[Alert, ...]:
    """Overspend: spent more than the allocation, or more than the share of the period
    elapsed plus the tolerance. Underspend: spent less than that share minus the tolerance
    (checked once a quarter of the period has passed, so a new budget is not flagged)."""
    if end <= start:
        raise ValueError("the period must end after it starts")
    if spent > allocated:
        return (Alert("overspend", f"Overspent by {format_pounds(spent - allocated)}."),)
    days = (end - start).days
    elapsed = min(max((today - start).days, 0), days)
    expected = allocated * elapsed // days
    margin = allocated * tolerance_percent // 100
    if spent > expected + margin:
        return (
            Alert(
                "overspend",
                f"Spending {format_pounds(spent)} is ahead of plan "
                f"({format_pounds(expected)} expected by now).",
            ),
        )
    if elapsed * 4 >= days and spent < expected - margin:
        return (
            Alert(
                "underspend",
                f"Spending {format_pounds(spent)} is behind plan "
                f"({format_pounds(expected)} expected by now).",
            ),
        )
    return ()


@dataclass(frozen=True)
class StatementLine:
    on: date
    description: str
    amount: int  # pence: positive money in, negative money out


@dataclass(frozen=True)
class Reconciliation:
    lines: tuple[StatementLine, ...]
    money_in: int
    money_out: int
    closing_balance: int
    recorded_payments_in: int
    difference_in: int  # statement money in less what the ledger says was paid in
    threshold: int
    surplus: int  # closing balance above the threshold
    proposed_clawback: int


def parse_statement(text: str) -> tuple[StatementLine, ...]:
    """A direct-payment account statement as CSV with a header `date,description,amount`
    (ISO dates; amount in pounds, positive in, negative out). ValueError naming the line
    on anything else."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or {"date", "description", "amount"} - {
        f.strip().lower() for f in reader.fieldnames
    }:
        raise ValueError("the statement needs the columns date, description, amount")
    lines = []
    for number, row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        try:
            on = date.fromisoformat(row["date"])
            amount = pounds_to_pence(row["amount"])
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
        lines.append(StatementLine(on, row["description"][:200], amount))
    if not lines:
        raise ValueError("the statement has no lines")
    return tuple(lines)


def reconcile(
    lines: Iterable[StatementLine],
    *,
    opening_balance: int,
    recorded_payments_in: int,
    threshold: int,
) -> Reconciliation:
    """Compare a holder's statement with the ledger. Unspent money above `threshold` (the
    contingency the holder may keep, e.g. a few weeks of the budget) is proposed for
    clawback; the decision itself is recorded separately, with its reason."""
    lines = tuple(lines)
    money_in = sum(line.amount for line in lines if line.amount > 0)
    money_out = -sum(line.amount for line in lines if line.amount < 0)
    closing = opening_balance + money_in - money_out
    surplus = max(0, closing - threshold)
    return Reconciliation(
        lines=lines,
        money_in=money_in,
        money_out=money_out,
        closing_balance=closing,
        recorded_payments_in=recorded_payments_in,
        difference_in=money_in - recorded_payments_in,
        threshold=threshold,
        surplus=surplus,
        proposed_clawback=surplus,
    )
