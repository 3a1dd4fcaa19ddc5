"""Queue a job and cancel one. Each is audited in its own transaction; the job reaches the
queue only once that transaction has committed."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.jobs.models import Job, JobKind, JobState


def submit_job(*, kind: str, params: dict | None = None, by: Actor, owner=None) -> Job:
    """Queue `kind` with `params` for `by` (who needs the permission the work itself needs:
    imports and case finding both run the data pipeline). `owner` is the signed-in user,
    None from the command line."""
    kind = JobKind(kind)
    require(by, Permission.RUN_IMPORTS)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, owner=owner, actor_label=by.label, params=params or {}, message="Waiting"
        )
        record_event(by=by, action="job.queued", detail={"job": job.pk, "kind": kind.value})
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Put (or put back) the job on the queue and remember the queue's id for it."""
    from onestory.jobs.tasks import run_job

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id))


def cancel_job(*, job: Job, by: Actor) -> Job:
    """A waiting job is cancelled at once; a running one stops at its next step (between
    files for an import: the files already imported stay, and a re-run carries on)."""
    if not may_manage(by, job):
        raise PermissionDenied(
            "Only the person who started a job, or an administrator, may cancel it."
        )
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.cancellable:
            return job
        if job.state == JobState.QUEUED:
            job.state = JobState.CANCELLED
            job.message = "Cancelled before it started"
            job.finished_at = timezone.now()
        else:
            job.cancel_requested = True
            job.message = "Stopping at the next step …"
        job.save(update_fields=["state", "message", "finished_at", "cancel_requested"])
        record_event(by=by, action="job.cancelled", detail={"job": job.pk, "kind": job.kind})
    return job


def may_manage(by: Actor, job: Job) -> bool:
    """The job's owner and administrators; from the command line (the system), any job."""
    if by.role in ("system", "administrator"):
        return True
    return by.user_pk is not None and by.user_pk == job.owner_id


def requeue_job(*, job: Job, by: Actor) -> Job:
    """Queue a failed or cancelled job again, or one left "running" by a worker that died
    (killed, its machine lost): its steps each committed whole, so the new attempt carries
    on from what is there. Only for a job whose worker is known to be gone."""
    if not may_manage(by, job):
        raise PermissionDenied(
            "Only the person who started a job, or an administrator, may requeue it."
        )
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.state in (JobState.QUEUED, JobState.SUCCEEDED):
            return job
        job.state = JobState.QUEUED
        job.cancel_requested = False
        job.finished_at = None
        job.max_attempts = (
            job.attempts + 1 if job.attempts >= job.max_attempts else job.max_attempts
        )
        job.message = "Queued again"
        job.save(
            update_fields=["state", "cancel_requested", "finished_at", "max_attempts", "message"]
        )
        record_event(by=by, action="job.requeued", detail={"job": job.pk, "kind": job.kind})
        transaction.on_commit(lambda: enqueue(job.pk))
    return job
