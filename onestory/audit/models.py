"""The audit log: append-only and tamper-evident.

Each event is chained to the one before it by a SHA-256 hash, so altering or removing an
entry breaks every hash after it (`onestory audit verify` names the first broken link).
Events hold ids and labels, never foreign keys, so they never block a merge or a delete.
"""

from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    PAGE = "page", "Web page"
    API = "api", "JSON API"
    CLI = "cli", "Command line"
    SYSTEM = "system", "System"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only")

    def delete(self):
        raise PermissionError("The audit log is append-only")


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.CharField(max_length=64)
    actor_label = models.CharField(max_length=150)
    role = models.CharField(max_length=64, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    person_id = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(max_length=64)
    purpose = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} {self.action} by {self.actor_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only")


class AuditChainHead(models.Model):
    """One row holding the newest hash; locked while an event is appended so that two
    writers can never chain onto the same predecessor."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)
