"""`onestory backup` and `onestory restore`: a consistent copy of the whole database, and
putting one back.

- SQLite: SQLite's own online backup API (`sqlite3.Connection.backup`), which copies a
  consistent snapshot while the application keeps running; restore copies it back the same
  way, into the configured database file.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists
  --single-transaction` (from the postgresql-client package of the server's major version
  or newer), called with the settings' host, port, user and database; the password is
  passed in the environment, never on the command line.

A restore then recomputes the audit log's hash chain (`verify_audit_log`) and reports the
number of rows in every table, so the operator sees that the chain and every record came
back. Restoring over a database that already holds audit events needs `replace=True`.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection, connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot go ahead: the message says why and what to do."""


@dataclass(frozen=True)
class RestoreReport:
    rows: dict[str, int]  # table -> rows
    audit_events: int
    audit_ok: bool
    audit_problem: str


def backup(out: Path) -> Path:
    """Write a consistent copy of the configured database to `out` (written beside it under
    a temporary name first, so that a failure never leaves half a backup under `out`)."""
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists: choose a new file name")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a directory")
    partial = out.with_name(out.name + ".partial")
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(_sqlite_path(), partial)
        elif connection.vendor == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"], "pg_dump")
        else:
            raise BackupError(f"backups of {connection.vendor} databases are not supported")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def restore(path: Path, *, replace: bool = False) -> RestoreReport:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as f:
        magic = f.read(16)
    if connection.vendor == "sqlite":
        if not magic.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not an SQLite backup (written by `onestory backup`)")
    elif connection.vendor == "postgresql":
        if not magic.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{path} is not a PostgreSQL custom-format backup (pg_dump -Fc)")
    else:
        raise BackupError(f"restoring {connection.vendor} databases is not supported")
    if not replace and _holds_audit_events():
        raise BackupError(
            "the database already holds data (it has audit events): add --replace to "
            "overwrite it with the backup"
        )
    if connection.vendor == "sqlite":
        _sqlite_restore(path, _sqlite_path())
    else:
        connections.close_all()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
            "pg_restore",
        )
    connections.close_all()
    return _report()


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name in ("", ":memory:") or name.startswith("file:"):
        raise BackupError("the SQLite database is in memory: there is no file to back up")
    return Path(name)


def _sqlite_backup(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        src.close()
        raise BackupError(f"{source} cannot be read as an SQLite database ({exc})") from None
    if "django_migrations" not in tables or "audit_auditevent" not in tables:
        src.close()
        raise BackupError(f"{source} is not a OneStory database backup")
    connections.close_all()
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# --- PostgreSQL --------------------------------------------------------------------------------


def _run(args: list[str], tool: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client, of the server's major version or newer)"
        )
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    target = [
        "--host",
        str(db.get("HOST") or "localhost"),
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        str(db.get("USER") or ""),
        "--dbname",
        str(db["NAME"]),
    ]
    done = subprocess.run([*args[:1], *target, *args[1:]], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{tool} failed (exit {done.returncode}): {last}")


# --- after a restore ---------------------------------------------------------------------------


def _holds_audit_events() -> bool:
    from django.db import DatabaseError

    from onestory.audit.models import AuditEvent

    try:
        return AuditEvent.objects.exists()
    except DatabaseError:  # no tables yet: an empty database
        return False


def _report() -> RestoreReport:
    from onestory.audit.actions import verify_audit_log

    rows = {
        model._meta.db_table: model.objects.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }
    check = verify_audit_log()
    problem = check.reason if check.first_broken_id is not None else "; ".join(check.problems)
    return RestoreReport(
        rows=rows,
        audit_events=check.checked,
        audit_ok=check.first_broken_id is None and not check.problems,
        audit_problem=problem or "",
    )


def table_counts() -> dict[str, int]:
    """Rows in every OneStory table, for comparing a database before and after."""
    return _report().rows
