"""`onestory …`: the command line. Each domain registers its own subcommands; every write
goes through the same audited actions the pages and API use.

Before a command that uses the database runs, the database is brought up to date: the
embedded SQLite database (the default) is created or migrated there and then; any other
database (PostgreSQL) is never migrated behind your back — the command stops and says to run
`onestory migrate`, which the person looking after that database decides when to do."""

import argparse
import importlib
import os
import sys

# Modules that add subcommands, in the order `onestory --help` lists them.
COMMAND_MODULES = (
    "onestory.synthetic.commands",  # synth
    "onestory.sources.commands",  # import
    "onestory.people.commands",  # link
    "onestory.audit.commands",  # audit verify|anchor
    "onestory.access.commands",  # access escalate
    "onestory.budgets.commands",  # who-pays
    "onestory.demo",  # demo, serve, migrate
    "onestory.planning.commands",  # plan import, plan report
    "onestory.casework.commands",  # casefinding, casework escalate|followup
    "onestory.commissioning.commands",  # bcf metrics, segments
    "onestory.interop.commands",  # fhir import, export, token
    "onestory.sharedlives.commands",  # sharedlives match
    "onestory.places.commands",  # places load, list
    "onestory.national.commands",  # national load, model, funnel
    "onestory.evaluation.commands",  # evaluate did|scm|sdid
    "onestory.evaluation.indicators.commands",  # indicators
    "onestory.jobs.commands",  # jobs list|start|cancel|requeue, worker
    "onestory.ops.commands",  # backup, restore
)

# Commands that set Django up but never read or write the database.
DATABASE_FREE = frozenset({"who-pays"})


class CommandError(Exception):
    """A problem the person running the command can fix: printed, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onestory",
        description="OneStory: one record, one plan, one budget across health and social care.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestory.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from exc


def pending_migrations() -> list[str]:
    """The migrations not yet applied to the configured database, as "app.name"."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def database_label() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"{db['NAME']} on {db['HOST']}" if db.get("HOST") else str(db["NAME"])


def ensure_database_ready(*, out=sys.stdout) -> int:
    """Apply pending migrations to the embedded SQLite database; for any other database,
    raise CommandError naming the command to run. Returns how many migrations it applied."""
    from django.db import DatabaseError, connection

    try:
        pending = pending_migrations()
    except DatabaseError as exc:
        raise CommandError(f"cannot reach the database {database_label()}: {exc}") from exc
    if not pending:
        return 0
    if connection.vendor != "sqlite":
        raise CommandError(
            f"the database {database_label()} has {len(pending)} migration(s) not yet applied. "
            "Run `onestory migrate` first (with the same DATABASE_URL)."
        )
    from django.core.management import call_command

    print(
        f"Bringing the database {database_label()} up to date "
        f"({len(pending)} migration(s), once) …",
        file=out,
        flush=True,
    )
    call_command("migrate", interactive=False, verbosity=0)
    return len(pending)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "needs_django", True):
            setup_django()
            if getattr(args, "needs_database", args.command not in DATABASE_FREE):
                ensure_database_ready(out=sys.stderr)
        code = args.handler(args)
    except CommandError as exc:
        print(f"onestory {args.command}: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code or 0)
