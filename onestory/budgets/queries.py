"""Audited reads of a person's budgets. Each checks `decide()` for the finance category
(the person themselves always has it) and records the read in the audit log."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone

from onestory.access.policy import decide
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.budgets.domain import ledger
from onestory.budgets.domain.allocation import DEFAULT_TABLE, AllocationTable
from onestory.budgets.domain.deferred import DeferredPaymentStatement, defer_payments
from onestory.budgets.models import (
    AllocationTableConfig,
    Budget,
    BudgetStream,
    DeferredPaymentAgreement,
    DirectPaymentReturn,
    IndicativeBudget,
    LedgerEntry,
)
from onestory.sources.domain.facts import FINANCE


def allocation_table_for(council_code: str) -> AllocationTable:
    """The council's own resource allocation table, or the default."""
    config = AllocationTableConfig.objects.filter(council_code=council_code).first()
    return AllocationTable.from_dict(config.table) if config else DEFAULT_TABLE


def can_see_budget(by: Actor, person) -> bool:
    decision = decide(by, person)
    return decision.allowed and FINANCE in decision.categories


@dataclass(frozen=True)
class LineSpend:
    line: object
    spent: int


@dataclass(frozen=True)
class StreamView:
    stream: BudgetStream
    balance: ledger.Balance
    alerts: tuple[ledger.Alert, ...]
    lines: tuple[LineSpend, ...]
    entries: tuple[LedgerEntry, ...]
    returns: tuple[DirectPaymentReturn, ...]


@dataclass(frozen=True)
class BudgetView:
    budget: Budget
    streams: tuple[StreamView, ...]
    allocated: int
    spent: int
    available: int


def _stream_view(stream: BudgetStream, budget: Budget, today: date) -> StreamView:
    entries = tuple(stream.entries.all())
    bal = ledger.balance(
        stream.allocated_pence, (ledger.Entry(e.kind, e.amount_pence, e.on) for e in entries)
    )
    alerts = ledger.spend_alerts(
        stream.allocated_pence - bal.clawed_back,
        bal.spent,
        start=budget.period_start,
        end=budget.period_end,
        today=today,
    )
    spent_by_line: dict[int, int] = {}
    for e in entries:
        if e.line_id is not None and e.kind in ledger.SPEND_KINDS:
            spent_by_line[e.line_id] = spent_by_line.get(e.line_id, 0) + e.amount_pence
        elif e.line_id is not None and e.kind == ledger.REFUND:
            spent_by_line[e.line_id] = spent_by_line.get(e.line_id, 0) - e.amount_pence
    lines = tuple(LineSpend(line, spent_by_line.get(line.pk, 0)) for line in stream.lines.all())
    return StreamView(stream, bal, alerts, lines, entries, tuple(stream.returns.all()))


def budgets_for(person, *, by: Actor, today: date | None = None) -> list[BudgetView]:
    """The person's budgets, newest period first, with balances and alerts per stream.
    PermissionDenied unless the actor may see the person's finance category."""
    if not can_see_budget(by, person):
        record_event(by=by, action="budget.denied", person_id=str(person.external_id), detail={})
        raise PermissionDenied("You have no access to this person's budget.")
    today = today or timezone.localdate()
    budgets = Budget.objects.filter(person=person).prefetch_related(
        Prefetch(
            "streams",
            queryset=BudgetStream.objects.prefetch_related("entries", "lines", "returns"),
        )
    )
    views = []
    for budget in budgets:
        streams = tuple(_stream_view(s, budget, today) for s in budget.streams.all())
        views.append(
            BudgetView(
                budget=budget,
                streams=streams,
                allocated=sum(s.balance.allocated - s.balance.clawed_back for s in streams),
                spent=sum(s.balance.spent for s in streams),
                available=sum(s.balance.available for s in streams),
            )
        )
    record_event(
        by=by,
        action="budget.view",
        person_id=str(person.external_id),
        detail={"budgets": len(views)},
    )
    return views


def indicative_budgets_for(person, *, by: Actor) -> list[IndicativeBudget]:
    """Indicative budgets, newest first (read together with `budgets_for`, which audits)."""
    if not can_see_budget(by, person):
        raise PermissionDenied("You have no access to this person's budget.")
    return list(IndicativeBudget.objects.filter(person=person).order_by("-created_at"))


@dataclass(frozen=True)
class AgreementView:
    agreement: DeferredPaymentAgreement
    statement: DeferredPaymentStatement


def deferred_payments_for(person, *, by: Actor, today: date | None = None) -> list[AgreementView]:
    """Each deferred payment agreement with its balance to date (interest included)."""
    if not can_see_budget(by, person):
        raise PermissionDenied("You have no access to this person's budget.")
    today = today or timezone.localdate()
    out = []
    for a in DeferredPaymentAgreement.objects.filter(person=person).order_by("start"):
        weeks = max(0, (today - a.start).days // 7)
        statement = defer_payments(
            [a.weekly_deferred_pence] * weeks,
            property_value=a.property_value_pence,
            annual_interest_rate=a.annual_interest_rate,
            loan_to_value=a.loan_to_value,
        )
        out.append(AgreementView(a, statement))
    return out


def plan_goals(person) -> list[tuple[str, str]]:
    """The goals in the person's care and support plan (onestory.planning), as (goal
    external id, the goal's words), for tying budget lines to them. Looked up through the
    app registry so budgets do not depend on the planning app's migrations; empty when the
    planning app is not installed."""
    from django.apps import apps

    try:
        goal_model = apps.get_model("planning", "Goal")
    except LookupError:
        return []
    goals = goal_model.objects.filter(plan__person=person).select_related("statement")
    return [(str(g.external_id), g.statement.text) for g in goals]
