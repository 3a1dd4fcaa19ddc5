"""Helpers for tests that run `onestory` the way an operator does: in its own process, on a
fresh database of its own (a new SQLite file; on the PostgreSQL pass of `make test`, a new
PostgreSQL database beside DATABASE_URL's, dropped afterwards)."""

import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@contextlib.contextmanager
def fresh_database(tmp_path: Path, name: str = "onestory"):
    if not on_postgresql():
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return
    import psycopg

    given = os.environ["DATABASE_URL"]
    db = f"onestory_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(given, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    try:
        yield given.rsplit("/", 1)[0] + "/" + db
    finally:
        with psycopg.connect(given, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def environment(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONESTORY_", "DJANGO_"))}
    env.update(
        ONESTORY_ENV="demo",
        DATABASE_URL=database_url,
        ONESTORY_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="onestory.settings",
        **extra,
    )
    return env


def onestory(*args: str, env: dict[str, str], check: bool = True, timeout: int = 300):
    done = subprocess.run(
        [sys.executable, "-m", "onestory", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, f"onestory {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


# Every OneStory table's row count and a digest of its rows (in primary-key order), read in
# the database's own process so that SQLite and PostgreSQL are read the same way.
_SNAPSHOT = """
import hashlib, json, django
django.setup()
from django.apps import apps
from django.db import connection
out = {}
with connection.cursor() as cursor:
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in EXCLUDE:
            continue
        cols = [f.column for f in meta.concrete_fields if f.column not in EXCLUDE_COLUMNS]
        q = connection.ops.quote_name
        cursor.execute(
            f"SELECT {', '.join(q(c) for c in cols)} FROM {q(meta.db_table)} ORDER BY {q(meta.pk.column)}"
        )
        digest = hashlib.sha256()
        count = 0
        for row in cursor.fetchall():
            digest.update(repr(tuple(str(v) for v in row)).encode())
            count += 1
        out[meta.db_table] = [count, digest.hexdigest()]
print(json.dumps(out))
"""


def snapshot(env: dict[str, str], exclude=(), exclude_columns=()) -> dict[str, list]:
    code = (
        f"EXCLUDE = {set(exclude)!r} or set()\nEXCLUDE_COLUMNS = {set(exclude_columns)!r} or set()\n"
        + _SNAPSHOT
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# Several `onestory` commands in one process (each through `cli.main`, as the console script
# calls it), with snapshots between them: one Python start-up instead of one per command.
_SESSION = """
import contextlib, io, json, sys
STEPS = json.loads(sys.argv[1])
from onestory import cli
results = []
for step in STEPS:
    if step == "SNAPSHOT":
        import django
        django.setup()
        results.append(take_snapshot())
        continue
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main(step)
            code = 0
        except SystemExit as done:
            code = done.code or 0
    results.append({"code": code, "out": out.getvalue(), "err": err.getvalue()})
print("RESULTS" + json.dumps(results))
"""


def session(env: dict[str, str], *steps, exclude=(), timeout: int = 600) -> list:
    """Run each step (an argv list, or "SNAPSHOT") in one process; a list of results:
    {"code", "out", "err"} for a command, the snapshot's dict for "SNAPSHOT"."""
    code = (
        f"EXCLUDE = {set(exclude)!r} or set()\nEXCLUDE_COLUMNS = set()\n"
        "def take_snapshot():\n"
        + "\n".join(
            "    " + line
            for line in _SNAPSHOT.replace("print(json.dumps(out))", "return out").splitlines()
        )
        + _SESSION
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(steps))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    marker = done.stdout.rfind("RESULTS")
    assert done.returncode == 0 and marker >= 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout[marker + len("RESULTS") :])
