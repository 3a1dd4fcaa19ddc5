"""The Better Care Fund plan of a partnership (its Health and Wellbeing Board's area): the
section 75 agreement, contributions to the pool, schemes with planned and actual spend per
quarter, and targets for the five national metrics. Money is integer pence. Nothing here
names a person: partners and providers are organisations (ADR 0023)."""

import uuid

from django.db import models

from onestory.bcf.domain import plan
from onestory.bcf.domain.targets import METRIC_LABELS


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class Agreement(models.Model):
    """A section 75 agreement for a partnership over financial years first_year..last_year
    (each year by its first calendar year: 2025 is 2025-26)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(
        "places.Partnership", on_delete=models.PROTECT, related_name="bcf_agreements"
    )
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField()
    council_name = models.CharField(max_length=200)
    nhs_partner_name = models.CharField(max_length=200)
    host = models.CharField(max_length=20, choices=_choices(plan.PARTNERS))
    arrangement = models.CharField(max_length=20, choices=_choices(plan.ARRANGEMENTS))
    # The council's share of an overspend and of an underspend, %; the NHS partner the rest.
    overspend_council_pct = models.PositiveSmallIntegerField()
    underspend_council_pct = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=20, choices=_choices(plan.STATUSES), default="draft")

    class Meta:
        ordering = ["partnership__code", "first_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "first_year"], name="bcf_one_agreement_per_start"
            )
        ]

    @property
    def years(self) -> list[int]:
        return plan.years_between(self.first_year, self.last_year)

    @property
    def overspend_nhs_pct(self) -> int:
        return 100 - self.overspend_council_pct

    @property
    def underspend_nhs_pct(self) -> int:
        return 100 - self.underspend_council_pct

    @property
    def host_name(self) -> str:
        return self.nhs_partner_name if self.host == "nhs" else self.council_name

    @property
    def years_label(self) -> str:
        return f"{plan.year_label(self.first_year)} to {plan.year_label(self.last_year)}"


class Contribution(models.Model):
    """What one source puts into the pool for one year (planned)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="contributions")
    year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=20, choices=_choices(plan.SOURCES))
    planned_pence = models.BigIntegerField()
    note = models.CharField(max_length=200, blank=True)  # e.g. "iBCF"

    class Meta:
        ordering = ["year", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year", "source"], name="bcf_one_contribution_per_source"
            )
        ]


class Scheme(models.Model):
    """A scheme funded from the pool in one year: its template categories, planned spend
    per quarter, and actual spend per quarter as recorded (None until recorded)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="schemes")
    year = models.PositiveSmallIntegerField()
    reference = models.CharField(max_length=20)  # the scheme ID on the plan, e.g. "3"
    name = models.CharField(max_length=200)
    scheme_type = models.CharField(max_length=40, choices=_choices(plan.SCHEME_TYPES))
    spend_area = models.CharField(max_length=40, choices=_choices(plan.SPEND_AREAS))
    lead_commissioner = models.CharField(max_length=20, choices=_choices(plan.COMMISSIONERS))
    provider_type = models.CharField(max_length=40, choices=_choices(plan.PROVIDER_TYPES))
    source = models.CharField(max_length=20, choices=_choices(plan.SOURCES))
    planned_q1 = models.BigIntegerField(default=0)
    planned_q2 = models.BigIntegerField(default=0)
    planned_q3 = models.BigIntegerField(default=0)
    planned_q4 = models.BigIntegerField(default=0)
    actual_q1 = models.BigIntegerField(null=True, blank=True)
    actual_q2 = models.BigIntegerField(null=True, blank=True)
    actual_q3 = models.BigIntegerField(null=True, blank=True)
    actual_q4 = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["year", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year", "reference"], name="bcf_one_scheme_per_reference"
            )
        ]

    @property
    def planned(self) -> dict[int, int]:
        return {q: getattr(self, f"planned_q{q}") for q in plan.QUARTERS}

    @property
    def actual(self) -> dict[int, int | None]:
        return {q: getattr(self, f"actual_q{q}") for q in plan.QUARTERS}

    @property
    def planned_year(self) -> int:
        return sum(self.planned.values())


class Target(models.Model):
    """A metric's target for a year and its trajectory by quarter (the level expected by
    each quarter's end)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField()
    metric = models.CharField(max_length=60, choices=_choices(METRIC_LABELS))
    annual = models.DecimalField(max_digits=10, decimal_places=1)
    q1 = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    q2 = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    q3 = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    q4 = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year", "metric"], name="bcf_one_target_per_metric"
            )
        ]

    @property
    def trajectory(self):
        return {q: getattr(self, f"q{q}") for q in plan.QUARTERS}
