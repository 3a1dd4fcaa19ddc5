"""The national view's data: indicators that partnerships published (aggregates only, small
numbers already suppressed by the partnership) and each partnership's integration model over
time. Nothing here is about a person (ADR 0025)."""

from django.db import models


class PublishedIndicator(models.Model):
    """One indicator for one locality (or a whole partnership, `locality` empty) and quarter,
    as the partnership published it. A suppressed numerator is stored as null."""

    partnership = models.CharField(max_length=20)
    locality = models.CharField(max_length=20, blank=True)
    quarter = models.CharField(max_length=6)  # "2025Q3"
    indicator = models.CharField(max_length=80)
    numerator = models.PositiveBigIntegerField(null=True, blank=True)
    denominator = models.PositiveBigIntegerField()
    source = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "quarter", "partnership", "locality"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "locality", "quarter", "indicator"],
                name="national_indicator_once_per_place_and_quarter",
            )
        ]
        indexes = [models.Index(fields=["indicator", "quarter"])]


class IntegrationModel(models.Model):
    """A partnership's integration model from a quarter on: a new row for each change, never
    edited, so a comparison can ask what model a place had in a quarter."""

    class Budget(models.TextChoices):
        POOLED = "pooled", "Pooled budget"
        ALIGNED = "aligned", "Aligned budgets"

    class Mdt(models.TextChoices):
        NONE = "none", "No MDT case management"
        PRACTICE = "practice", "Practice-based MDTs"
        NEIGHBOURHOOD = "neighbourhood", "Neighbourhood MDTs"

    partnership = models.CharField(max_length=20)
    from_quarter = models.CharField(max_length=6)
    budget = models.CharField(max_length=10, choices=Budget.choices)
    lead_commissioner = models.CharField(max_length=200, blank=True)
    host = models.CharField(max_length=200, blank=True)
    section75_scope = models.CharField(max_length=300, blank=True)
    shared_records = models.BooleanField(default=False)
    mdt = models.CharField(max_length=20, choices=Mdt.choices, default=Mdt.NONE)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["partnership", "from_quarter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "from_quarter"], name="national_one_model_per_quarter"
            )
        ]
