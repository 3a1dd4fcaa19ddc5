"""The initiative register (what the organisation tried and what came of it), the
evaluation runs kept with their inputs and code version, and survey responses from people
with personal budgets and their carers. Labels and ids only in the audit log; no model
here names a person except SurveyResponse's link to the person who answered."""

import uuid

from django.db import models
from django.utils import timezone

from onestory.initiatives.domain import register
from onestory.initiatives.domain import survey as poet


class Initiative(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    aims = models.TextField(blank=True)
    kind = models.CharField(max_length=40, choices=list(register.KINDS.items()))
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    people_reached = models.PositiveIntegerField(null=True, blank=True)
    cost_pence = models.BigIntegerField(null=True, blank=True)
    indicators = models.JSONField(default=list, blank=True)  # keys of register.INDICATORS
    status = models.CharField(
        max_length=16, choices=list(register.STATUSES.items()), default="planned"
    )
    learned = models.TextField(blank=True)  # what we learned
    decision = models.CharField(
        max_length=16, choices=list(register.DECISIONS.items()), blank=True, default=""
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class InitiativeLocality(models.Model):
    """A locality where the initiative runs, from the quarter it started there."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="places")
    locality = models.ForeignKey("places.Locality", on_delete=models.PROTECT, related_name="+")
    start_quarter = models.CharField(max_length=6)  # "2025Q3"

    class Meta:
        ordering = ["locality__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "locality"], name="uniq_initiative_locality"
            )
        ]

    @property
    def start_words(self) -> str:
        """The start quarter as a reader sees it: "July to September 2025"."""
        from onestory.evaluation.indicators.domain import Quarter

        try:
            return Quarter.parse(self.start_quarter).words
        except ValueError:
            return self.start_quarter


class EvaluationRun(models.Model):
    """One evaluation, kept whole so that it can be read and repeated: its inputs, the
    panel it ran on (CSV) and that panel's hash, the code version and the result per
    method (the shape `onestory evaluate --json` prints)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="evaluations")
    indicator = models.CharField(max_length=40)
    treated = models.JSONField(default=list)  # locality codes
    comparators = models.JSONField(default=list)  # locality codes
    start_quarter = models.CharField(max_length=6)
    methods = models.JSONField(default=list)  # "did", "scm", "sdid"
    seed = models.IntegerField(default=0)
    placebo_draws = models.PositiveIntegerField(default=200)
    panel_csv = models.TextField()
    panel_sha256 = models.CharField(max_length=64)
    code_version = models.CharField(max_length=80)
    results = models.JSONField(default=dict)  # method -> result body, or {"error": …}
    notes = models.JSONField(default=dict)  # method -> readable notes
    ran_at = models.DateTimeField(default=timezone.now)
    ran_by_id = models.CharField(max_length=100)
    ran_by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-ran_at"]


class SurveyResponse(models.Model):
    """One returned survey (paper, entered by staff, or answered in the portal)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.CharField(max_length=40, default=poet.SURVEY)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="survey_responses"
    )
    respondent = models.CharField(max_length=8, choices=list(poet.RESPONDENTS.items()))
    answered_on = models.DateField()
    answers = models.JSONField(default=dict)  # question key -> 1..4
    channel = models.CharField(max_length=16, default="paper")  # paper | portal
    entered_by_label = models.CharField(max_length=150)
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-answered_on"]
