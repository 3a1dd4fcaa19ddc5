"""Jobs as the pages and the command line show them. A job holds no personal data (ids,
counts, labels), so reading one is not audited; who may see it is the owner and
administrators."""

from django.core.exceptions import PermissionDenied

from onestory.audit.domain.actor import Actor
from onestory.jobs.actions import may_manage
from onestory.jobs.models import Job


def jobs_for(*, by: Actor, limit: int = 50) -> list[Job]:
    jobs = Job.objects.all()
    if by.role not in ("system", "administrator"):
        if by.user_pk is None:
            return []
        jobs = jobs.filter(owner_id=by.user_pk)
    return list(jobs[:limit])


def get_job(job_id: int, *, by: Actor) -> Job:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not may_manage(by, job):
        # The same answer for someone else's job and no job: ids are not confirmed.
        raise PermissionDenied("This job is not yours to see.")
    return job
