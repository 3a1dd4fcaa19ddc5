"""`onestory jobs list|start|cancel` and `onestory worker` (runs the queue: ADR 0018)."""

from pathlib import Path


def register(sub):
    j = sub.add_parser("jobs", help="background jobs: list, start, cancel")
    j_sub = j.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    p = j_sub.add_parser("list", help="the latest jobs, with their state and progress")
    p.add_argument("--limit", type=int, default=20, help="how many (20)")
    p.set_defaults(handler=_list)
    p = j_sub.add_parser("start", help="queue a job for the worker")
    p_sub = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    i = p_sub.add_parser("import", help="import a directory of extracts (or one file)")
    i.add_argument("path", type=Path)
    i.set_defaults(handler=_start)
    c = p_sub.add_parser("casefinding", help="score everyone (eFI, risk, LACE)")
    c.add_argument("--as-of", default=None, help="YYYY-MM-DD (today)")
    c.set_defaults(handler=_start)
    p = j_sub.add_parser("cancel", help="cancel a waiting job, or stop a running one")
    p.add_argument("job_id", type=int)
    p.set_defaults(handler=_cancel)

    p = j_sub.add_parser(
        "requeue", help="queue a failed or cancelled job again, or one whose worker died"
    )
    p.add_argument("job_id", type=int)
    p.set_defaults(handler=_requeue)

    w = sub.add_parser("worker", help="run background jobs from the queue")
    w.add_argument("--batch", action="store_true", help="run what is queued, then stop")
    w.add_argument("--interval", type=float, default=1.0, help="seconds between looks (1)")
    w.set_defaults(handler=_worker)


def _actor():
    import getpass

    from onestory.audit.domain.actor import Actor

    return Actor.system(f"cli:{getpass.getuser()}", channel="cli")


def _list(args) -> int:
    from onestory.jobs.queries import jobs_for

    jobs = jobs_for(by=_actor(), limit=args.limit)
    if not jobs:
        print("No jobs yet.")
    for job in jobs:
        print(
            f"{job.pk:>6}  {job.kind:<12} {job.state:<10} {job.progress:>3}%  "
            f"{job.created_at:%Y-%m-%d %H:%M}  {job.actor_label}  {job.message}"
        )
    return 0


def _start(args) -> int:
    from onestory.cli import CommandError
    from onestory.jobs.actions import submit_job

    if args.kind == "import":
        if not args.path.exists():
            raise CommandError(f"{args.path} does not exist")
        params = {"path": str(args.path.resolve())}
    else:
        params = {"as_of": args.as_of} if args.as_of else {}
    job = submit_job(kind=args.kind, params=params, by=_actor())
    print(
        f"Queued job {job.pk} ({job.kind}). `onestory worker` runs it; `onestory jobs list` follows it."
    )
    return 0


def _cancel(args) -> int:
    from onestory.cli import CommandError
    from onestory.jobs.actions import cancel_job
    from onestory.jobs.models import Job

    job = Job.objects.filter(pk=args.job_id).first()
    if job is None:
        raise CommandError(f"there is no job {args.job_id}")
    job = cancel_job(job=job, by=_actor())
    print(f"Job {job.pk}: {job.get_state_display()} – {job.message}")
    return 0


def _requeue(args) -> int:
    from onestory.cli import CommandError
    from onestory.jobs.actions import requeue_job
    from onestory.jobs.models import Job

    job = Job.objects.filter(pk=args.job_id).first()
    if job is None:
        raise CommandError(f"there is no job {args.job_id}")
    job = requeue_job(job=job, by=_actor())
    print(f"Job {job.pk}: {job.get_state_display()} – {job.message}")
    return 0


def _worker(args) -> int:
    from django.core.management import call_command

    options = {"interval": args.interval, "batch": args.batch, "startup_delay": not args.batch}
    call_command("db_worker", reload=False, **options)
    return 0
