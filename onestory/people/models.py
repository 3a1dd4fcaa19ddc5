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
