"""Background jobs' pages: thin views over `jobs.queries` and `jobs.actions`. The list
(`/jobs/`) and a job's page poll themselves with htmx while work is in progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission
from onestory.jobs import actions, queries
from onestory.jobs.models import JobKind


@login_required
@require_http_methods(["GET", "POST"])
def job_list(request):
    """The reader's jobs (an administrator's: everyone's); a form to run case finding for
    those whose role runs the data pipeline."""
    by = actor_for_user(request.user)
    may_start = has_permission(by, Permission.RUN_IMPORTS)
    if request.method == "POST":
        job = actions.submit_job(kind=JobKind.CASEFINDING, by=by, owner=request.user)
        messages.success(request, f"Case finding is queued as job {job.pk}.")
        return redirect("job", job_id=job.pk)
    jobs = queries.jobs_for(by=by)
    template = "jobs/_rows.html" if request.headers.get("HX-Request") else "jobs/list.html"
    return render(
        request,
        template,
        {"jobs": jobs, "may_start": may_start, "polling": any(not j.finished for j in jobs)},
    )


@login_required
@require_GET
def job_detail(request, job_id: int):
    job = queries.get_job(job_id, by=actor_for_user(request.user))
    template = "jobs/_job.html" if request.headers.get("HX-Request") else "jobs/job.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def job_cancel(request, job_id: int):
    by = actor_for_user(request.user)
    job = actions.cancel_job(job=queries.get_job(job_id, by=by), by=by)
    messages.success(request, f"Job {job.pk}: {job.message}.")
    return redirect("job", job_id=job.pk)
