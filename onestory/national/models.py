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
    edited, so a comparison can ask what model a place had in a quarter. A second version
    from the same quarter corrects the first (the later recorded is in force); each says
    who recorded it, when and why (ADR 0033)."""

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
    # Words: the organisation's name when it is one of the partnership's organisations on
    # this installation (then also the link below), else as the partnership reported it.
    lead_commissioner = models.CharField(max_length=200, blank=True)
    host = models.CharField(max_length=200, blank=True)
    lead_commissioner_organisation = models.ForeignKey(
        "access.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    host_organisation = models.ForeignKey(
        "access.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The section 75 agreement: in words, and as the BCF template's scheme types (services)
    # and sources of funding it pools (bcf.domain.plan.SCHEME_TYPES, SOURCES).
    section75_scope = models.CharField(max_length=300, blank=True)
    section75_schemes = models.JSONField(default=list, blank=True)
    section75_sources = models.JSONField(default=list, blank=True)
    # Whether records are shared, and (on this installation) which organisations share
    # them: `shared_records` is then true exactly when there is at least one.
    shared_records = models.BooleanField(default=False)
    record_sharers = models.ManyToManyField("access.Organisation", blank=True, related_name="+")
    mdt = models.CharField(max_length=20, choices=Mdt.choices, default=Mdt.NONE)
    reason = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["partnership", "from_quarter", "id"]
        indexes = [models.Index(fields=["partnership", "from_quarter"])]


class ModelInitiative(models.Model):
    """An initiative of the register a version of the model runs, from and to a quarter."""

    model = models.ForeignKey(IntegrationModel, on_delete=models.CASCADE, related_name="spells")
    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.PROTECT, related_name="+"
    )
    from_quarter = models.CharField(max_length=6)
    to_quarter = models.CharField(max_length=6, blank=True)

    class Meta:
        ordering = ["from_quarter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "initiative"], name="national_initiative_once_per_version"
            )
        ]
