"""What the worker does with one job: claim it, run its kind's work with progress written
to the `Job` as it goes, stop when asked to, retry a failure up to `max_attempts` times,
and keep the result (counts) or the error (its kind and where: never its message, which may
quote the data)."""

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from onestory.audit.domain.actor import Actor
from onestory.jobs.models import Job, JobKind, JobState
from onestory.sources.domain.limits import where_it_failed

logger = logging.getLogger("onestory.ops.jobs")


class JobCancelled(Exception):
    """Raised at a step boundary when the job's cancellation was asked for."""


class Progress:
    """Writes the job's progress (per cent and a message) and stops it when cancelled."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk

    def __call__(self, percent: int, message: str) -> None:
        Job.objects.filter(pk=self.job_id).update(
            progress=max(0, min(100, percent)), message=message[:300]
        )
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise JobCancelled


def actor_for(job: Job) -> Actor:
    """Who the work runs as: the owner as they are now (a role taken away since refuses
    the work), or the system for a job queued from the command line."""
    if job.owner_id is not None:
        from onestory.access.policy import actor_for_user

        user = get_user_model().objects.get(pk=job.owner_id)
        return actor_for_user(user, channel="worker")
    return Actor.system(job.actor_label or "worker", channel="worker")


# --- each kind of work -----------------------------------------------------------------------


class _ImportProgress:
    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 1), 0

    def file_started(self, path: Path, kind: str) -> None:
        self.progress(
            100 * self.done // self.total, f"Importing file {self.done + 1} of {self.total}"
        )

    def rows_read(self, path: Path, count: int) -> None:
        pass  # inside the file's transaction: progress is written between files

    def file_finished(self, path: Path, result) -> None:
        self.done += 1
        self.progress(100 * self.done // self.total, f"Imported {self.done} of {self.total} files")


def _run_import(job: Job, progress: Progress, by: Actor) -> dict:
    from onestory.sources.actions import extracts_in, import_path

    path = Path(job.params["path"])
    files, _ = extracts_in(path)
    result = import_path(path, by=by, progress=_ImportProgress(progress, len(files)))
    return {
        "files": len(result.files),
        "files_with_errors": len(result.errors),
        **result.totals(),
        "linked_at_once": result.linked_at_once,
    }


def _run_casefinding(job: Job, progress: Progress, by: Actor) -> dict:
    from onestory.casework.actions import run_casefinding

    progress(5, "Scoring everyone in the person index")
    as_of = job.params.get("as_of")
    run = run_casefinding(by=by, as_of=date.fromisoformat(as_of) if as_of else None)
    return {"run": run.pk, "as_of": run.as_of.isoformat(), "people": run.scores.count()}


RUNNERS: dict[str, Callable[[Job, Progress, Actor], dict]] = {
    JobKind.IMPORT: _run_import,
    JobKind.CASEFINDING: _run_casefinding,
}


# --- the worker's side --------------------------------------------------------------------


def _claim(job_id: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != JobState.QUEUED:
            return None  # cancelled while waiting, or already taken
        job.state = JobState.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.message = f"Started (attempt {job.attempts} of {job.max_attempts})"
        job.save(update_fields=["state", "attempts", "started_at", "message"])
    return job


def _finish(job_id: int, **fields) -> None:
    Job.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)


def run(job_id: int) -> str:
    """Run one job to its end (or to its next attempt); returns the state it was left in."""
    job = _claim(job_id)
    if job is None:
        return "skipped"
    log = {"job": job.pk, "kind": job.kind}
    logger.info("job started", extra={**log, "event": "job", "state": "running"})
    progress = Progress(job)
    try:
        progress(0, job.message)
        result = RUNNERS[job.kind](job, progress, actor_for(job))
    except JobCancelled:
        _finish(job.pk, state=JobState.CANCELLED, message="Cancelled")
        state = JobState.CANCELLED
    except Exception as exc:
        where = where_it_failed(exc)
        logger.warning("job attempt failed: %s", where, extra={**log, "event": "job"})
        if job.attempts < job.max_attempts:
            Job.objects.filter(pk=job.pk).update(
                state=JobState.QUEUED,
                error=where[:300],
                message=f"Attempt {job.attempts} failed ({type(exc).__name__}); trying again",
            )
            from onestory.jobs.actions import enqueue

            enqueue(job.pk)
            state = JobState.QUEUED
        else:
            _finish(
                job.pk,
                state=JobState.FAILED,
                error=where[:300],
                message=f"Failed after {job.attempts} attempt(s) ({type(exc).__name__})",
            )
            state = JobState.FAILED
    else:
        _finish(job.pk, state=JobState.SUCCEEDED, progress=100, result=result, message="Finished")
        state = JobState.SUCCEEDED
    logger.info("job %s", state, extra={**log, "event": "job", "state": str(state)})
    return str(state)
