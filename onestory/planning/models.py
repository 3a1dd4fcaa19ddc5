"""One personalised care and support plan per person, shared by every organisation that
works with them. Plans hang off `Person` (never off source rows), so relinking records does
not touch them. Every statement carries its provenance (who wrote it, whether the person or
their representative confirmed its exact words); the database refuses a confirmed statement
whose confirmation is not the person's or does not match its words. Every change keeps a
whole-plan version."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from onestory.planning.domain import provenance


class PlanKind(models.TextChoices):
    PERSON = "person", "Care and support plan"
    CARER = "carer", "Carer's plan"


class Plan(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(max_length=8, choices=PlanKind.choices, default=PlanKind.PERSON)
    # A carer's plan is linked to the plan of the person they care for (Care Act 2014 s.10).
    cares_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carer_plans"
    )
    coordinator = models.ForeignKey(
        "access.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_plans",
    )
    next_review_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="one_plan_per_person_kind"),
            models.CheckConstraint(
                condition=Q(kind="person", cares_for__isnull=True)
                | Q(kind="carer", cares_for__isnull=False),
                name="carer_plan_cares_for_someone",
            ),
        ]


_AUTHOR_KINDS = [(k, k) for k in provenance.AUTHOR_KINDS]


class PlanStatement(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="statements")
    section = models.CharField(max_length=24)
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    written_by_kind = models.CharField(max_length=16, choices=_AUTHOR_KINDS)
    written_by_label = models.CharField(max_length=150)
    status = models.CharField(
        max_length=12,
        choices=[(provenance.DRAFT, "Draft"), (provenance.CONFIRMED, "Confirmed")],
        default=provenance.DRAFT,
    )
    confirmed_by_kind = models.CharField(max_length=16, blank=True, choices=_AUTHOR_KINDS)
    confirmed_by_label = models.CharField(max_length=150, blank=True)
    confirmed_text = models.TextField(blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Where an imported statement came from (the sending system), for the reader.
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # Belt and braces for the domain rule: only the person or their representative
            # confirms, and only the words as they stand.
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(
                    status="confirmed",
                    confirmed_by_kind__in=sorted(provenance.VOICES),
                    confirmed_text=F("text"),
                    confirmed_at__isnull=False,
                ),
                name="confirmed_only_by_the_person_for_these_words",
            )
        ]

    def as_domain(self) -> provenance.Statement:
        confirmed_by = (
            provenance.Author(self.confirmed_by_kind, self.confirmed_by_label)
            if self.confirmed_by_kind
            else None
        )
        return provenance.Statement(
            text=self.text,
            written_by=provenance.Author(self.written_by_kind, self.written_by_label),
            status=self.status,
            confirmed_by=confirmed_by,
            confirmed_text=self.confirmed_text,
        )

    def apply(self, state: provenance.Statement) -> None:
        """Copy a domain state onto this row (the caller saves)."""
        self.text = state.text
        self.written_by_kind = state.written_by.kind
        self.written_by_label = state.written_by.label
        self.status = state.status
        self.confirmed_by_kind = state.confirmed_by.kind if state.confirmed_by else ""
        self.confirmed_by_label = state.confirmed_by.label if state.confirmed_by else ""
        self.confirmed_text = state.confirmed_text
        if state.status == provenance.CONFIRMED:
            self.confirmed_at = self.confirmed_at or timezone.now()
        else:
            self.confirmed_at = None


class Goal(models.Model):
    """An outcome the person wants, in a statement of its own (with its provenance), who
    helps and by when, and the services (and, once budgets exist, budget lines) serving it."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    statement = models.OneToOneField(PlanStatement, on_delete=models.CASCADE, related_name="goal")
    who_helps = models.CharField(max_length=300, blank=True)
    by_when = models.DateField(null=True, blank=True)
    services = models.ManyToManyField("sources.SourceEvent", blank=True, related_name="goals")
    # The budget line that pays for it (a reference in the personal budget, issue 7).
    budget_line = models.CharField(max_length=100, blank=True)
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class Review(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    next_review_on = models.DateField()
    recorded_by_label = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__gt=F("held_on")), name="next_review_after_review"
            )
        ]


class Progress(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    SOME = "some", "Some progress"
    ACHIEVED = "achieved", "Achieved"
    CHANGED = "changed", "Goal has changed"


class GoalProgress(models.Model):
    """Progress against one goal at one review: the person's words (as they said them, and
    who wrote them down) beside the professional's."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    progress = models.CharField(max_length=12, choices=Progress.choices)
    person_words = models.TextField(blank=True)
    professional_words = models.TextField(blank=True)


ACTION_LABELS = {
    "created": "Plan started",
    "statement_proposed": "Statement added",
    "statement_edited": "Statement changed",
    "statement_confirmed": "Statement confirmed",
    "version_restored": "Earlier version restored",
    "goal_added": "Goal added",
    "coordinator_set": "Care coordinator named",
    "review_recorded": "Review recorded",
    "imported": "Imported as drafts",
}


class PlanVersion(models.Model):
    """The whole plan after one change: what the diff view compares and restore brings
    back. Labels and ids only, like the audit log."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    by_label = models.CharField(max_length=150)
    by_kind = models.CharField(max_length=16)
    action = models.CharField(max_length=40)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_version_number")
        ]

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action.replace("_", " ").capitalize())
