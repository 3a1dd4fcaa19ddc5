"""The care market (providers, their services and the contracts that buy them) and pools in
which several people put part of their personal budgets together to buy a service. Audit
events store ids and labels; people appear only as pool members (each behind the record's
access decision)."""

import uuid

from django.db import models
from django.db.models import Q

from onestory.market.domain import contracts, pools


class ServiceType(models.TextChoices):
    HOME_CARE = "home_care", "Home care"
    RESIDENTIAL = "residential", "Residential care"
    NURSING = "nursing", "Nursing care"
    DAY_OPPORTUNITIES = "day_opportunities", "Day opportunities"
    REABLEMENT = "reablement", "Reablement"
    SUPPORTED_LIVING = "supported_living", "Supported living"
    MICRO_ENTERPRISE = "micro_enterprise", "Micro-enterprise"
    GROUP_ACTIVITY = "group_activity", "Group activity"
    EQUIPMENT = "equipment", "Equipment"
    OTHER = "other", "Other"


class PriceUnit(models.TextChoices):
    HOUR = "hour", "an hour"
    DAY = "day", "a day"
    WEEK = "week", "a week"
    SESSION = "session", "a session"


class Provider(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    # An ODS or CQC code where the provider has one; also how records may name it.
    code = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=200, blank=True)  # "Independent", "Charity" …
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    vacancies = models.PositiveIntegerField(null=True, blank=True)
    unit_price_pence = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=10, choices=PriceUnit.choices, default=PriceUnit.HOUR)
    # How the linked record knows it (see domain.usage): a provider or service code, or the
    # service component the extract names; optionally the sending organisation's code.
    record_code = models.CharField(max_length=100, blank=True)
    record_org_code = models.CharField(max_length=20, blank=True)
    decommissioned_on = models.DateField(null=True, blank=True)
    decommission_reason = models.TextField(blank=True)
    decommissioned_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["provider__name", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vacancies__isnull=True)
                | Q(capacity__isnull=True)
                | Q(vacancies__lte=models.F("capacity")),
                name="market_service_vacancies_within_capacity",
            ),
            models.CheckConstraint(
                condition=(Q(decommissioned_on__isnull=True) & Q(decommissioned_by=""))
                | (Q(decommissioned_on__isnull=False) & ~Q(decommissioned_by="")),
                name="market_service_decommissioned_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.decommissioned_on is None


class Contract(models.Model):
    KIND_CHOICES = list(contracts.KINDS.items())
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(max_length=60)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    value_pence = models.PositiveBigIntegerField(null=True, blank=True)
    volume = models.PositiveIntegerField(null=True, blank=True)  # units of the service's unit
    # What may be varied for a person's plan (domain.contracts.ASPECTS), and a note.
    flexibility = models.JSONField(default=list)
    flexibility_note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="market_contract_period_order",
            )
        ]


class MarketDecision(models.Model):
    """A decision about the market recorded with what was known when it was made (the
    decommissioning impact as shown: suppressed counts only)."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=30)  # "decommission"
    effective_on = models.DateField()
    reason = models.TextField()
    impact_shown = models.JSONField(default=dict)
    decided_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150)


class Pool(models.Model):
    PERIOD_CHOICES = list(pools.PERIODS.items())
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="pools")
    period = models.CharField(max_length=10, choices=PERIOD_CHOICES, default=pools.WEEK)
    cost_pence = models.PositiveIntegerField()  # what the service costs per period
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-start", "id"]


class ConsentStatus(models.TextChoices):
    PENDING = "pending", "Awaiting consent"
    GIVEN = "given", "Consent given"
    DECLINED = "declined", "Declined"


class PoolMember(models.Model):
    CONSENT_BY_CHOICES = list(pools.CONSENT_BY.items())
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    stream = models.ForeignKey(
        "budgets.BudgetStream", on_delete=models.PROTECT, related_name="pool_shares"
    )
    share_pence = models.PositiveIntegerField()  # per pool period
    start = models.DateField()
    end = models.DateField(null=True, blank=True)  # the share stops from this day
    exit_reason = models.TextField(blank=True)
    consent = models.CharField(
        max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.PENDING
    )
    consent_by = models.CharField(max_length=16, blank=True, choices=CONSENT_BY_CHOICES)
    consent_note = models.TextField(blank=True)  # the stated agreement, or who consented
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.CharField(max_length=150, blank=True)
    # The committed line on the member's budget (budgets.actions.add_line), once consented.
    line = models.OneToOneField(
        "budgets.BudgetLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()
    added_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="market_member_period_order",
            ),
            models.CheckConstraint(
                condition=~Q(consent="given") | ~Q(consent_by=""),
                name="market_member_consent_says_who",
            ),
            models.UniqueConstraint(
                fields=["pool", "person"],
                condition=Q(end__isnull=True),
                name="market_member_once_at_a_time",
            ),
        ]
