"""Every write to a budget: one function each, keyword-only `by=`, in a transaction, with
its audit event in that same transaction. Views, the CLI and the demo call these."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import decide, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.budgets.domain import ledger
from onestory.budgets.domain.allocation import indicative_budget
from onestory.budgets.domain.deferred import equity_limit
from onestory.budgets.models import (
    Budget,
    BudgetLine,
    BudgetStream,
    DeferredPaymentAgreement,
    DirectPaymentReturn,
    HeldAs,
    IndicativeBudget,
    LedgerEntry,
    StreamKind,
)
from onestory.budgets.queries import allocation_table_for
from onestory.sources.domain.facts import FINANCE


def require_budget_access(by: Actor, person) -> None:
    """Budget writes need the MANAGE_BUDGETS permission and a relationship that shows the
    person's finance category."""
    require(by, Permission.MANAGE_BUDGETS)
    decision = decide(by, person)
    if not decision.allowed or FINANCE not in decision.categories:
        raise PermissionDenied("You have no access to this person's budget.")


def _event(by: Actor, action: str, person, **detail) -> None:
    record_event(by=by, action=action, person_id=str(person.external_id), detail=detail)


def calculate_indicative_budget(
    *, person, answers: dict[str, int], council_code: str = "", by: Actor
) -> IndicativeBudget:
    """Score the assessed needs on the council's table (or the default) and keep the result
    with how it was reached."""
    require_budget_access(by, person)
    table = allocation_table_for(council_code or by.organisation)
    result = indicative_budget(table, answers)
    with transaction.atomic():
        row = IndicativeBudget.objects.create(
            person=person,
            table_name=result.table,
            answers=answers,
            lines=[[line.need, line.level, line.points] for line in result.lines],
            points=result.points,
            pence_per_point=result.pence_per_point,
            weekly_pence=result.weekly,
            annual_pence=result.annual,
            created_at=timezone.now(),
            created_by=by.label,
        )
        _event(
            by,
            "budget.indicative",
            person,
            indicative=str(row.external_id),
            points=result.points,
            weekly_pence=result.weekly,
        )
    return row


def create_budget(
    *,
    person,
    period_start: date,
    period_end: date,
    indicative: IndicativeBudget | None = None,
    by: Actor,
) -> Budget:
    require_budget_access(by, person)
    if period_end <= period_start:
        raise ValidationError("The budget period must end after it starts.")
    with transaction.atomic():
        if Budget.objects.filter(person=person, period_start=period_start).exists():
            raise ValidationError("This person already has a budget starting on that day.")
        budget = Budget.objects.create(
            person=person,
            period_start=period_start,
            period_end=period_end,
            indicative=indicative,
            created_at=timezone.now(),
            created_by=by.label,
        )
        _event(
            by,
            "budget.create",
            person,
            budget=str(budget.external_id),
            period=f"{period_start}/{period_end}",
        )
    return budget


def add_stream(
    *,
    budget: Budget,
    kind: str,
    held_as: str,
    allocated_pence: int,
    funder: str,
    rules: str = "",
    managed_by: str = "",
    by: Actor,
) -> BudgetStream:
    """One stream of the budget: its funder, its rules and how it is held. A third-party
    managed stream names the organisation that manages it."""
    require_budget_access(by, budget.person)
    if kind not in StreamKind.values or held_as not in HeldAs.values:
        raise ValidationError("Unknown stream kind or way of holding it.")
    if allocated_pence < 0:
        raise ValidationError("The allocation cannot be negative.")
    if held_as == HeldAs.THIRD_PARTY and not managed_by.strip():
        raise ValidationError("Name the organisation that manages a third-party budget.")
    if not funder.strip():
        raise ValidationError("Name the funder.")
    with transaction.atomic():
        stream = BudgetStream.objects.create(
            budget=budget,
            kind=kind,
            funder=funder.strip(),
            rules=rules.strip(),
            held_as=held_as,
            managed_by=managed_by.strip(),
            allocated_pence=allocated_pence,
            created_at=timezone.now(),
            created_by=by.label,
        )
        _event(
            by,
            "budget.add_stream",
            budget.person,
            budget=str(budget.external_id),
            stream=str(stream.external_id),
            kind=kind,
            held_as=held_as,
            allocated_pence=allocated_pence,
        )
    return stream


def add_line(
    *,
    stream: BudgetStream,
    description: str,
    planned_pence: int,
    goal_ref: str = "",
    goal_text: str = "",
    by: Actor,
) -> BudgetLine:
    """A line of planned spend tied to one of the plan's goals; its planned amount goes in
    the ledger as planned spend."""
    person = stream.budget.person
    require_budget_access(by, person)
    if planned_pence < 0 or not description.strip():
        raise ValidationError("A line needs a description and a planned amount.")
    with transaction.atomic():
        line = BudgetLine.objects.create(
            stream=stream,
            description=description.strip()[:200],
            planned_pence=planned_pence,
            goal_ref=goal_ref[:64],
            goal_text=goal_text[:300],
            created_at=timezone.now(),
            created_by=by.label,
        )
        LedgerEntry.objects.create(
            stream=stream,
            line=line,
            kind=ledger.PLANNED,
            amount_pence=planned_pence,
            on=stream.budget.period_start,
            description=line.description,
            recorded_at=timezone.now(),
            recorded_by=by.label,
        )
        _event(
            by,
            "budget.add_line",
            person,
            stream=str(stream.external_id),
            line=line.pk,
            goal=goal_ref,
            planned_pence=planned_pence,
        )
    return line


def record_spend(
    *,
    stream: BudgetStream,
    kind: str,
    amount_pence: int,
    on: date,
    description: str,
    line: BudgetLine | None = None,
    by: Actor,
) -> LedgerEntry:
    """A payment, invoice or refund against the stream (optionally against one line)."""
    person = stream.budget.person
    require_budget_access(by, person)
    if kind not in (ledger.PAYMENT, ledger.INVOICE, ledger.REFUND):
        raise ValidationError("Record a payment, an invoice or a refund.")
    if amount_pence <= 0:
        raise ValidationError("The amount must be more than nothing.")
    if line is not None and line.stream_id != stream.pk:
        raise ValidationError("That line belongs to another stream.")
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            stream=stream,
            line=line,
            kind=kind,
            amount_pence=amount_pence,
            on=on,
            description=description.strip()[:200],
            recorded_at=timezone.now(),
            recorded_by=by.label,
        )
        _event(
            by,
            "budget.record_spend",
            person,
            stream=str(stream.external_id),
            entry=entry.pk,
            kind=kind,
            amount_pence=amount_pence,
        )
    return entry


def receive_direct_payment_return(
    *,
    stream: BudgetStream,
    statement_csv: str,
    period_start: date,
    period_end: date,
    opening_balance_pence: int,
    threshold_pence: int,
    by: Actor,
) -> DirectPaymentReturn:
    """Reconcile a direct-payment holder's statement with the ledger's payments into the
    account in the period; unspent money above the threshold is proposed for clawback."""
    person = stream.budget.person
    require_budget_access(by, person)
    if stream.held_as not in (HeldAs.DIRECT_PAYMENT, HeldAs.MIX):
        raise ValidationError("Only a direct payment has a holder's return.")
    try:
        lines = ledger.parse_statement(statement_csv)
    except ValueError as error:
        raise ValidationError(f"The statement cannot be read: {error}") from None
    paid_in = sum(
        stream.entries.filter(
            kind=ledger.PAYMENT, on__gte=period_start, on__lte=period_end
        ).values_list("amount_pence", flat=True)
    )
    result = ledger.reconcile(
        lines,
        opening_balance=opening_balance_pence,
        recorded_payments_in=paid_in,
        threshold=threshold_pence,
    )
    with transaction.atomic():
        dp_return = DirectPaymentReturn.objects.create(
            stream=stream,
            period_start=period_start,
            period_end=period_end,
            statement=[[str(x.on), x.description, x.amount] for x in result.lines],
            opening_balance_pence=opening_balance_pence,
            money_in_pence=result.money_in,
            money_out_pence=result.money_out,
            closing_balance_pence=result.closing_balance,
            recorded_payments_in_pence=paid_in,
            threshold_pence=threshold_pence,
            proposed_clawback_pence=result.proposed_clawback,
            received_at=timezone.now(),
            received_by=by.label,
        )
        _event(
            by,
            "budget.direct_payment_return",
            person,
            stream=str(stream.external_id),
            dp_return=dp_return.pk,
            closing_balance_pence=result.closing_balance,
            proposed_clawback_pence=result.proposed_clawback,
        )
    return dp_return


def decide_direct_payment_return(
    *, dp_return: DirectPaymentReturn, clawback_pence: int, reason: str, by: Actor
) -> DirectPaymentReturn:
    """Decide what happens to the surplus: claw back up to the proposed amount (a clawback
    entry in the ledger) or let the holder keep it. A reason is always recorded."""
    stream = dp_return.stream
    person = stream.budget.person
    require_budget_access(by, person)
    if not reason.strip():
        raise ValidationError("Give the reason for the decision.")
    if not 0 <= clawback_pence <= dp_return.proposed_clawback_pence:
        raise ValidationError("The clawback must be between nothing and the surplus.")
    with transaction.atomic():
        locked = DirectPaymentReturn.objects.select_for_update().get(pk=dp_return.pk)
        if locked.decision != DirectPaymentReturn.Decision.PENDING:
            raise ValidationError("This return has already been decided.")
        now = timezone.now()
        locked.decision = (
            DirectPaymentReturn.Decision.CLAWBACK
            if clawback_pence
            else DirectPaymentReturn.Decision.RETAIN
        )
        locked.clawback_pence = clawback_pence
        locked.reason = reason.strip()
        locked.decided_at = now
        locked.decided_by = by.label
        locked.save()
        if clawback_pence:
            LedgerEntry.objects.create(
                stream=stream,
                kind=ledger.CLAWBACK,
                amount_pence=clawback_pence,
                on=timezone.localdate(),
                description="Unspent direct payment returned to the funder",
                recorded_at=now,
                recorded_by=by.label,
            )
        _event(
            by,
            "budget.decide_return",
            person,
            dp_return=locked.pk,
            decision=locked.decision,
            clawback_pence=clawback_pence,
        )
    return locked


def create_deferred_payment_agreement(
    *,
    person,
    start: date,
    property_value_pence: int,
    weekly_deferred_pence: int,
    annual_interest_rate: Decimal,
    loan_to_value: Decimal = Decimal("0.900"),
    by: Actor,
) -> DeferredPaymentAgreement:
    require_budget_access(by, person)
    if min(property_value_pence, weekly_deferred_pence) < 0 or annual_interest_rate < 0:
        raise ValidationError("Amounts and the interest rate cannot be negative.")
    limit = equity_limit(property_value_pence, loan_to_value=loan_to_value)
    with transaction.atomic():
        agreement = DeferredPaymentAgreement.objects.create(
            person=person,
            start=start,
            property_value_pence=property_value_pence,
            weekly_deferred_pence=weekly_deferred_pence,
            annual_interest_rate=annual_interest_rate,
            loan_to_value=loan_to_value,
            equity_limit_pence=limit,
            created_at=timezone.now(),
            created_by=by.label,
        )
        _event(
            by,
            "budget.deferred_payment_agreement",
            person,
            agreement=str(agreement.external_id),
            equity_limit_pence=limit,
        )
    return agreement


def revise_line(*, line: BudgetLine, planned_pence: int, description: str, by: Actor) -> BudgetLine:
    """Change what a line commits (a commitment that ends early, such as a pooled share the
    person stops paying): the line and its planned ledger entry are lowered or raised
    together, audited with the old and new amounts."""
    person = line.stream.budget.person
    require_budget_access(by, person)
    if planned_pence < 0 or not description.strip():
        raise ValidationError("A line needs a description and a planned amount.")
    with transaction.atomic():
        locked = BudgetLine.objects.select_for_update().get(pk=line.pk)
        before = locked.planned_pence
        locked.planned_pence = planned_pence
        locked.description = description.strip()[:200]
        locked.save(update_fields=["planned_pence", "description"])
        LedgerEntry.objects.filter(line=locked, kind=ledger.PLANNED).update(
            amount_pence=planned_pence, description=locked.description
        )
        _event(
            by,
            "budget.revise_line",
            person,
            stream=str(locked.stream.external_id),
            line=locked.pk,
            planned_before_pence=before,
            planned_pence=planned_pence,
        )
    return locked
