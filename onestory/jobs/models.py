from django.conf import settings
from django.db import models


class JobKind(models.TextChoices):
    IMPORT = "import", "Import extracts"
    CASEFINDING = "casefinding", "Case finding"


class JobState(models.TextChoices):
    QUEUED = "queued", "Waiting"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class Job(models.Model):
    """One piece of background work, from queued to finished. Holds ids, counts and labels
    only: the parameters (a folder, a date), progress, and the result's counts."""

    kind = models.CharField(max_length=20, choices=JobKind.choices)
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    # Who asked: a signed-in user, or nobody (the command line, acting as the system).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=150)
    params = models.JSONField(default=dict)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    message = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The queue's id for the latest attempt (django_tasks_db.DBTaskResult).
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind}, {self.state})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def cancellable(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING) and not self.cancel_requested
