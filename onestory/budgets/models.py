"""Integrated personal budgets: one budget per person per period, made of streams (NHS,
council, others), each with its own funder, rules and way of being held; budget lines tied
to the plan's goals; a ledger in integer pence; direct-payment returns; deferred payment
agreements. Audit events store ids and labels, so nothing here blocks a delete."""

import uuid

from django.db import models
from django.db.models import Q

from onestory.budgets.domain import ledger


class AllocationTableConfig(models.Model):
    """A council's own resource allocation table (see domain.allocation.AllocationTable);
    without one the default table applies."""

    council_code = models.CharField(max_length=20, unique=True)
    table = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)


class IndicativeBudget(models.Model):
    """The amount known up front, with how it was reached (one line per assessed need)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE)
    table_name = models.CharField(max_length=100)
    answers = models.JSONField()
    lines = models.JSONField()
    points = models.PositiveIntegerField()
    pence_per_point = models.PositiveIntegerField()
    weekly_pence = models.PositiveIntegerField()
    annual_pence = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)


class Budget(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="budgets")
    period_start = models.DateField()
    period_end = models.DateField()
    indicative = models.ForeignKey(
        IndicativeBudget, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "period_start"], name="budget_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="budget_period_order"
            ),
        ]
        ordering = ["-period_start"]


class StreamKind(models.TextChoices):
    CHC = "chc", "NHS continuing healthcare"
    S117 = "s117", "Section 117 after-care"
    WHEELCHAIR = "wheelchair", "Personal wheelchair budget"
    PERSONALISED_CARE = "personalised_care", "NHS personalised care"
    COUNCIL = "council", "Council personal budget"
    DFG = "dfg", "Disabled Facilities Grant"
    EDUCATION = "education", "Education (EHC plan) personal budget"
    OTHER = "other", "Other"


# Which kind of body funds each stream kind.
NHS_KINDS = {StreamKind.CHC, StreamKind.S117, StreamKind.WHEELCHAIR, StreamKind.PERSONALISED_CARE}


class HeldAs(models.TextChoices):
    DIRECT_PAYMENT = "direct_payment", "Direct payment"
    NOTIONAL = "notional", "Notional (commissioned for the person)"
    THIRD_PARTY = "third_party", "Third-party managed"
    MIX = "mix", "A mix"


class BudgetStream(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="streams")
    kind = models.CharField(max_length=20, choices=StreamKind.choices)
    funder = models.CharField(max_length=200)
    rules = models.TextField(blank=True)
    held_as = models.CharField(max_length=20, choices=HeldAs.choices)
    # The organisation that manages a third-party managed (or mixed) stream.
    managed_by = models.CharField(max_length=200, blank=True)
    allocated_pence = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(held_as="third_party") | ~Q(managed_by=""),
                name="stream_third_party_named",
            )
        ]
        ordering = ["id"]

    @property
    def is_nhs(self) -> bool:
        return self.kind in NHS_KINDS


class BudgetLine(models.Model):
    """What part of a stream pays for; tied to one of the plan's goals."""

    stream = models.ForeignKey(BudgetStream, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    planned_pence = models.PositiveIntegerField()
    goal_ref = models.CharField(max_length=64, blank=True)
    goal_text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["id"]


class LedgerEntry(models.Model):
    KIND_CHOICES = [
        (ledger.PLANNED, "Planned"),
        (ledger.PAYMENT, "Payment"),
        (ledger.INVOICE, "Invoice"),
        (ledger.REFUND, "Refund"),
        (ledger.CLAWBACK, "Clawback"),
    ]
    stream = models.ForeignKey(BudgetStream, on_delete=models.CASCADE, related_name="entries")
    line = models.ForeignKey(
        BudgetLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    amount_pence = models.PositiveIntegerField()
    on = models.DateField()
    description = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["on", "id"]


class DirectPaymentReturn(models.Model):
    """A direct-payment holder's return: the statement, its reconciliation against the
    ledger, and what was decided about unspent money (with who decided and why)."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting a decision"
        CLAWBACK = "clawback", "Surplus clawed back"
        RETAIN = "retain", "Holder keeps the surplus"

    stream = models.ForeignKey(BudgetStream, on_delete=models.CASCADE, related_name="returns")
    period_start = models.DateField()
    period_end = models.DateField()
    statement = models.JSONField()
    opening_balance_pence = models.IntegerField()
    money_in_pence = models.PositiveIntegerField()
    money_out_pence = models.PositiveIntegerField()
    closing_balance_pence = models.IntegerField()
    recorded_payments_in_pence = models.PositiveIntegerField()
    threshold_pence = models.PositiveIntegerField()
    proposed_clawback_pence = models.PositiveIntegerField()
    decision = models.CharField(max_length=20, choices=Decision.choices, default="pending")
    clawback_pence = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    received_at = models.DateTimeField()
    received_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            # A decision has both its time and its author, or neither.
            models.CheckConstraint(
                condition=(Q(decided_at__isnull=True) & Q(decided_by=""))
                | (Q(decided_at__isnull=False) & ~Q(decided_by="")),
                name="dp_return_decided_pair",
            )
        ]


class DeferredPaymentAgreement(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE)
    start = models.DateField()
    property_value_pence = models.PositiveBigIntegerField()
    weekly_deferred_pence = models.PositiveIntegerField()
    annual_interest_rate = models.DecimalField(max_digits=6, decimal_places=4)
    loan_to_value = models.DecimalField(max_digits=4, decimal_places=3, default="0.900")
    equity_limit_pence = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
