"""Background jobs (ADR 0018): queued from the page or the command line, run by the worker
with progress kept, cancelled while waiting or running, retried on failure with the error
and the result kept; the pages only for the job's owner and administrators."""

import pytest
from django.core.management import call_command

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.jobs import actions, runner
from onestory.jobs.models import Job, JobState
from tests import factories as f

pytestmark = pytest.mark.django_db


def run_worker() -> None:
    """What `onestory worker --batch` does: run every queued task, then stop. The worker
    closes the database connection between tasks, as a long-running process should; here
    that connection holds the test's transaction, so it is kept open."""
    from django_tasks_db.management.commands import db_worker

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(db_worker, "close_old_connections", lambda: None)
        call_command(
            "db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0
        )


def _task_rows() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.count()


def test_jobs_start_form_queues_case_finding_and_the_worker_runs_it(
    client, django_capture_on_commit_callbacks
):
    f.casefinding_population(60)
    dq = f.user("dq.jobs", role="data_quality_officer")
    client.force_login(dq)
    assert 'data-testid="start-casefinding"' in client.get("/jobs/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/jobs/")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.state, job.kind, job.owner, job.progress) == ("queued", "casefinding", dq, 0)
    assert job.task_id and _task_rows() == 1
    queued = AuditEvent.objects.get(action="job.queued")
    assert queued.detail == {"job": job.pk, "kind": "casefinding"}
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Waiting" in page and "hx-trigger" in page  # polls while not finished

    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.progress == 100
    assert job.attempts == 1 and job.result["people"] == 60
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Finished" in page and "people: 60" in page and "hx-trigger" not in page
    fragment = client.get("/jobs/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="job-rows"') and "Case finding" in fragment


def test_jobs_start_form_is_refused_to_roles_that_do_not_run_the_pipeline(client):
    client.force_login(f.user("dr.nojobs", role="gp"))
    assert "start-casefinding" not in client.get("/jobs/").content.decode()
    assert client.post("/jobs/").status_code == 403
    assert not Job.objects.exists()


def test_import_job_reports_progress_per_file_and_keeps_its_counts(
    tmp_path, django_capture_on_commit_callbacks
):
    from onestory.synthetic import generate

    generate(20, 5, tmp_path, 0.0)
    from onestory.sources.actions import extracts_in

    files = len(extracts_in(tmp_path)[0])
    seen = []
    real = runner.Progress.__call__

    def watching(self, percent, message):
        seen.append((percent, message))
        return real(self, percent, message)

    with django_capture_on_commit_callbacks(execute=True):
        job = actions.submit_job(
            kind="import", params={"path": str(tmp_path)}, by=Actor.system("test")
        )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner.Progress, "__call__", watching)
        run_worker()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.result["files"] == files and job.result["imported"] > 0
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100
    assert any("Imported 1 of" in m for _, m in seen)


def test_cancel_form_cancels_a_waiting_job_and_the_worker_skips_it(
    client, django_capture_on_commit_callbacks
):
    dq = f.user("dq.cancel", role="data_quality_officer")
    client.force_login(dq)
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.submit_job(kind="casefinding", by=Actor.system("x"), owner=dq)
    response = client.post(f"/jobs/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.finished_at is not None
    assert AuditEvent.objects.filter(action="job.cancelled").count() == 1
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.attempts == 0
    assert "Cancel this job" not in client.get(f"/jobs/{job.pk}/").content.decode()


def test_cancelling_a_running_job_stops_it_at_the_next_step(monkeypatch):
    job = Job.objects.create(kind="casefinding", actor_label="test", state=JobState.QUEUED)
    steps = []

    def long_work(job, progress, by):
        progress(10, "step one")
        steps.append(1)
        actions.cancel_job(job=Job.objects.get(pk=job.pk), by=Actor.system("operator"))
        progress(50, "step two")
        steps.append(2)
        return {}

    monkeypatch.setitem(runner.RUNNERS, "casefinding", long_work)
    assert runner.run(job.pk) == "cancelled"
    job.refresh_from_db()
    assert steps == [1]
    assert job.state == JobState.CANCELLED and job.message == "Cancelled"


def test_failed_attempt_is_retried_and_the_error_and_result_are_kept(
    monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def flaky(job, progress, by):
        calls.append(job.attempts)
        if len(calls) == 1:
            raise ConnectionError("Margaret Oldroyd 9990000018 could not be reached")
        return {"people": 3}

    monkeypatch.setitem(runner.RUNNERS, "casefinding", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.submit_job(kind="casefinding", by=Actor.system("test"))
    run_worker()
    job.refresh_from_db()
    assert calls == [1, 2]
    assert job.state == JobState.SUCCEEDED and job.attempts == 2
    assert job.result == {"people": 3}
    assert job.error.startswith("ConnectionError at test_jobs.py:")
    assert "Margaret" not in job.error and "9990000018" not in job.error
    assert _task_rows() == 2  # one queued task per attempt, both kept


def test_job_that_keeps_failing_stops_after_its_attempts(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broken(job, progress, by):
        raise RuntimeError("no")

    monkeypatch.setitem(runner.RUNNERS, "casefinding", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.submit_job(kind="casefinding", by=Actor.system("test"))
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == job.max_attempts == 3
    assert "Failed after 3 attempt(s) (RuntimeError)" == job.message
    assert job.error.startswith("RuntimeError at ")


def test_job_runs_as_its_owner_as_they_are_now(django_capture_on_commit_callbacks):
    dq = f.user("dq.demoted", role="data_quality_officer")
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.submit_job(kind="casefinding", by=Actor.system("x"), owner=dq)
    dq.staff.role = "gp"  # the role that ran the pipeline was taken away
    dq.staff.save()
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error.startswith("PermissionDenied")


def test_jobs_command_lists_starts_and_cancels(tmp_path, capsys):
    from onestory.jobs import commands

    parser_args = type("A", (), {})
    args = parser_args()
    args.kind, args.as_of = "casefinding", None
    assert commands._start(args) == 0
    job = Job.objects.get()
    args = parser_args()
    args.limit = 5
    commands._list(args)
    out = capsys.readouterr().out
    assert f"{job.pk:>6}  casefinding  queued" in out
    args = parser_args()
    args.job_id = job.pk
    commands._cancel(args)
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED


def test_job_left_running_by_a_dead_worker_is_requeued_and_completes(
    monkeypatch, django_capture_on_commit_callbacks
):
    # The worker was killed mid-job: the job still says "running", nothing will finish it.
    job = Job.objects.create(
        kind="casefinding", actor_label="test", state=JobState.RUNNING, attempts=1
    )
    monkeypatch.setitem(runner.RUNNERS, "casefinding", lambda job, progress, by: {"people": 7})
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.requeue_job(job=job, by=Actor.system("operator"))
    assert job.state == JobState.QUEUED
    assert AuditEvent.objects.filter(action="job.requeued").count() == 1
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.attempts == 2 and job.result == {"people": 7}


def test_requeue_refused_to_someone_elses_job():
    from django.core.exceptions import PermissionDenied

    owner = f.user("dq.mine", role="data_quality_officer")
    other = f.user("dq.notmine", role="data_quality_officer")
    job = Job.objects.create(kind="casefinding", owner=owner, actor_label="x", state="failed")
    from onestory.access.policy import actor_for_user

    with pytest.raises(PermissionDenied):
        actions.requeue_job(job=job, by=actor_for_user(other))
    job.refresh_from_db()
    assert job.state == JobState.FAILED
