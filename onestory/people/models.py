"""The person index: stable people, and versioned runs of clusters that say which source
records belong to whom. Plans, budgets and everything else hang off `Person`, never off a
run, so a new linkage run (deterministic today, probabilistic next) changes membership
without touching what was built on the person."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Person(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return str(self.external_id)


class LinkageRun(models.Model):
    version = models.PositiveIntegerField(unique=True)
    method = models.CharField(max_length=40)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_by = models.CharField(max_length=150)
    is_current = models.BooleanField(default=False)
    stats = models.JSONField(default=dict, blank=True)
    # The trained probabilistic model (Splink settings with m and u), so a single new
    # record can be scored against this run at once; empty for rule-based runs.
    model = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_run"
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(finished_at__isnull=False),
                name="current_run_is_finished",
            ),
        ]

    def __str__(self):
        return f"run {self.version} ({self.method})"


class PersonLink(models.Model):
    """In one run, this source record belongs to this person, by this rule."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="links")
    record = models.ForeignKey(
        "sources.SourceRecord", on_delete=models.PROTECT, related_name="links"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="links")
    rule = models.CharField(max_length=40)
    match_probability = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "record"], name="one_person_per_record_per_run")
        ]
        indexes = [models.Index(fields=["run", "person"])]


class ReviewPair(models.Model):
    """A pair of records one run scored in its uncertain band and left apart, for a
    data-quality officer to decide. `record_a` is always the lower id."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="review_pairs")
    record_a = models.ForeignKey("sources.SourceRecord", on_delete=models.PROTECT, related_name="+")
    record_b = models.ForeignKey("sources.SourceRecord", on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField()

    class Meta:
        ordering = ["-match_probability", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "record_a", "record_b"], name="one_review_pair_per_run"
            ),
            models.CheckConstraint(
                condition=Q(record_a__lt=models.F("record_b")), name="review_pair_ordered"
            ),
        ]


class LinkDecision(models.Model):
    """A decision that two source records are (link) or are not (no_link) the same person.

    Append-only: the latest decision on a pair is the constraint every later run applies,
    whatever the engine; earlier ones stay as history. A reviewer's decision on a queued
    pair, a merge and an unmerge all write these, so one history shows who did what."""

    LINK = "link"
    NO_LINK = "no_link"
    DECISIONS = [(LINK, "Same person"), (NO_LINK, "Not the same person")]

    record_a = models.ForeignKey("sources.SourceRecord", on_delete=models.PROTECT, related_name="+")
    record_b = models.ForeignKey("sources.SourceRecord", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=DECISIONS)
    via = models.CharField(max_length=20, default="review")  # review, merge, unmerge
    reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.CharField(max_length=150)
    decided_by_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["record_a", "record_b", "-decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(record_a__lt=models.F("record_b")), name="decision_pair_ordered"
            ),
        ]


class MergeRequest(models.Model):
    """A merge of two people, asked for and (at once, or after a second officer confirms)
    made. Every merge through the pages has one, so a merged person shows the evidence it
    rests on afterwards: `evidence` holds each field's agreement in words (no values) and
    `conflicts` the names of the fields on which the two identities conflict. A merge with
    conflicts stays pending, changing nothing, until a different officer confirms it."""

    PENDING = "pending"
    MERGED = "merged"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    STATUSES = [
        (PENDING, "Waiting for a second person"),
        (MERGED, "Merged"),
        (REFUSED, "Refused by the second person"),
        (WITHDRAWN, "Withdrawn"),
    ]

    first = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    conflicts = models.JSONField(default=list, blank=True)  # field names only
    evidence = models.JSONField(default=list, blank=True)  # [{field, outcome, explanation}]
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.CharField(max_length=150)
    requested_by_id = models.CharField(max_length=64)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_by_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=500, blank=True)
    run = models.ForeignKey(
        LinkageRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    @property
    def pending(self) -> bool:
        return self.status == self.PENDING
