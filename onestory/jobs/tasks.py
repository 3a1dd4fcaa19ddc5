"""The task the queue holds: one per attempt at a job (ADR 0018)."""

from django.tasks import task


@task()
def run_job(job_id: int) -> str:
    from onestory.jobs.runner import run

    return run(job_id)
