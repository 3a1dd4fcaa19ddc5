"""Faults, at a small size and in bounded time: `kill -9` of `onestory import`, of
`onestory link` and of `onestory casefinding` part-way through, then a re-run, ends in the
same state as an undisturbed run, with an audit chain that verifies; a full disk during an import fails that file
cleanly, names it, and leaves nothing of it half-written. (The database going away
mid-request is in test_ops.py: a clear 503 page.)

The kill tests drive `onestory` in processes of their own on SQLite files of their own, so
they run once, on the SQLite pass of `make test`."""

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from onestory.audit.domain.actor import Actor
from tests.integration._processes import ROOT, environment, on_postgresql, onestory

BOUND_SECONDS = 240


@pytest.fixture(scope="module")
def borough(tmp_path_factory):
    from onestory.synthetic import generate

    out = tmp_path_factory.mktemp("borough")
    generate(60, 17, out, 0.05)  # some noise: quarantined rows, near-miss identities
    return out


# --- the state that must come back the same ------------------------------------------------

STATE_QUERIES = {
    "records": """SELECT s.code, r.local_id, r.content_hash FROM sources_sourcerecord r
                  JOIN sources_sourcesystem s ON s.id = r.system_id""",
    "events": """SELECT s.code, e.local_id, e.content_hash, r.local_id FROM sources_sourceevent e
                 JOIN sources_sourcesystem s ON s.id = e.system_id
                 JOIN sources_sourcerecord r ON r.id = e.record_id""",
    "relationships": """SELECT s.code, r.local_id, x.relationship, x.related_local_id,
                        x.related_name FROM sources_sourcerelationship x
                        JOIN sources_sourcerecord r ON r.id = x.record_id
                        JOIN sources_sourcesystem s ON s.id = r.system_id""",
    "quarantined": """SELECT file_name, row_number, field, reason, content_hash
                      FROM sources_quarantinedrow""",
}
PEOPLE_QUERY = """SELECT l.person_id, s.code, r.local_id FROM people_personlink l
                  JOIN people_linkagerun run ON run.id = l.run_id AND run.is_current
                  JOIN sources_sourcerecord r ON r.id = l.record_id
                  JOIN sources_sourcesystem s ON s.id = r.system_id"""


def state(database: Path) -> dict:
    """What the import and linkage produced, by content (ids and times differ run to run):
    every source row, every quarantined row, and the person index as a partition of the
    source records."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        out: dict = {name: sorted(db.execute(q).fetchall()) for name, q in STATE_QUERIES.items()}
        people: dict = {}
        for person, system, local_id in db.execute(PEOPLE_QUERY):
            people.setdefault(person, set()).add((system, local_id))
    out["people"] = sorted(sorted(members) for members in people.values())
    return out


def count(database: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.Error:  # not created or not migrated yet
        return 0


def kill_when(args: list[str], env: dict, ready) -> int:
    """Start `onestory ARGS`, SIGKILL it as soon as `ready()` holds, and return its exit
    status (-9 when it was killed while still running)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "onestory", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + BOUND_SECONDS
    try:
        while process.poll() is None and time.monotonic() < deadline and not ready():
            time.sleep(0.02)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


kill_tests = pytest.mark.skipif(
    on_postgresql(), reason="runs on SQLite files of its own: once, on the SQLite pass"
)


@pytest.fixture(scope="module")
def migrated(borough, tmp_path_factory) -> Path:
    """An empty database with every migration applied, to copy for each run."""
    if on_postgresql():
        pytest.skip("runs on SQLite files of its own: once, on the SQLite pass")
    database = tmp_path_factory.mktemp("migrated") / "empty.sqlite3"
    onestory("migrate", env=environment(f"sqlite:///{database}", database.parent))
    return database


@pytest.fixture(scope="module")
def imported(migrated, borough) -> Path:
    """The borough imported, undisturbed, into a copy of the migrated database."""
    database = migrated.with_name("imported.sqlite3")
    shutil.copy(migrated, database)
    onestory(
        "import", str(borough), "--json", env=environment(f"sqlite:///{database}", database.parent)
    )
    return database


def _copy(source: Path, tmp_path: Path, name: str) -> tuple[Path, dict]:
    database = tmp_path / name
    shutil.copy(source, database)
    return database, environment(f"sqlite:///{database}", tmp_path)


@kill_tests
def test_import_killed_part_way_then_rerun_equals_an_undisturbed_import(
    tmp_path, borough, migrated, imported
):
    expected = state(imported)
    assert expected["records"] and expected["quarantined"]
    killed, env = _copy(migrated, tmp_path, "killed.sqlite3")

    files = "SELECT count(*) FROM sources_importfile"
    status = kill_when(["import", str(borough), "--json"], env, lambda: count(killed, files) >= 2)
    assert status == -signal.SIGKILL, "the import finished before it could be killed"
    part_way = state(killed)
    assert part_way["records"] and part_way != expected  # it really was cut short

    onestory("import", str(borough), "--json", env=env)
    assert state(killed) == expected
    assert "Audit log intact" in onestory("audit", "verify", env=env).stdout


@kill_tests
def test_linkage_killed_part_way_then_rerun_equals_an_undisturbed_run(tmp_path, imported):
    calm, calm_env = _copy(imported, tmp_path, "calm.sqlite3")
    started = time.monotonic()
    onestory("link", env=calm_env)
    link_seconds = time.monotonic() - started
    expected = state(calm)
    assert expected["people"]

    # Killed when part of an undisturbed run's time has gone (training, or writing); should
    # this run be quicker and finish first, again on a fresh copy, killed sooner.
    for share in (0.5, 0.25, 0.1):
        killed, env = _copy(imported, tmp_path, "killed.sqlite3")
        deadline = time.monotonic() + link_seconds * share
        status = kill_when(["link"], env, lambda d=deadline: time.monotonic() > d)
        if status == -signal.SIGKILL:
            break
    assert status == -signal.SIGKILL, "the linkage finished before it could be killed"
    runs = "SELECT count(*) FROM people_linkagerun WHERE is_current"
    assert count(killed, runs) == 0  # nothing of the killed run is current

    onestory("link", env=env)
    assert state(killed) == expected
    assert "Audit log intact" in onestory("audit", "verify", env=env).stdout


# --- case finding -------------------------------------------------------------------------

AS_OF = "2026-10-31"
CASEFINDING_QUERY = """SELECT r.person_id, r.practice_code, r.neighbourhood, r.age, r.sex,
                       r.efi_deficits, r.efi_score, r.efi_category, r.deficits, r.risk,
                       r.risk_drivers, r.emergency_admissions_12m, r.ae_attendances_12m,
                       r.admissions, r.lace, r.lace_discharge
                       FROM casework_personrisk r JOIN casework_casefindingrun run
                       ON run.id = r.run_id WHERE run.id = (SELECT id FROM casework_casefindingrun
                       WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1)"""
RUNS_QUERY = "SELECT as_of, codelist_versions, model, validation FROM casework_casefindingrun"

# `onestory casefinding` in a process of its own, held at one point of its work (the test
# kills it there): scoring, or inside its write after the scores are written.
_HELD = """
import pathlib, sys, time
MARK, WHERE, ARGS = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3:]

def hold():
    MARK.touch()
    time.sleep(600)

if WHERE == "scoring":
    from onestory.casework import engine
    real_score = engine.score
    def score(*args, **kwargs):
        hold()
        return real_score(*args, **kwargs)
    engine.score = score
else:
    from django.db.models.query import QuerySet
    real_bulk_create = QuerySet.bulk_create
    def bulk_create(self, *args, **kwargs):
        created = real_bulk_create(self, *args, **kwargs)
        if self.model._meta.model_name == "personrisk":
            hold()
        return created
    QuerySet.bulk_create = bulk_create
from onestory import cli
cli.main(ARGS)
"""


def casefinding_state(database: Path) -> dict:
    """The current case-finding run's scores by content, every run's inputs and model, and
    the source rows and person index they were computed from."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        scores = sorted(db.execute(CASEFINDING_QUERY).fetchall(), key=repr)
        runs = sorted(db.execute(RUNS_QUERY).fetchall(), key=repr)
    return {"scores": scores, "runs": runs, "linked": state(database)}


@pytest.fixture(scope="module")
def linked(imported) -> Path:
    """The borough imported and linked, undisturbed."""
    database = imported.with_name("linked.sqlite3")
    shutil.copy(imported, database)
    onestory("link", env=environment(f"sqlite:///{database}", database.parent))
    return database


@kill_tests
@pytest.mark.parametrize("where", ["scoring", "writing"])
def test_casefinding_killed_part_way_then_rerun_equals_an_undisturbed_run(tmp_path, linked, where):
    report = ["--as-of", AS_OF, "--report", str(tmp_path / "report.html")]
    calm, calm_env = _copy(linked, tmp_path, "calm.sqlite3")
    onestory("casefinding", *report, env=calm_env)
    expected = casefinding_state(calm)
    assert expected["scores"] and len(expected["runs"]) == 1

    killed, env = _copy(linked, tmp_path, "killed.sqlite3")
    before = casefinding_state(killed)
    mark = tmp_path / "held"
    process = subprocess.Popen(
        [sys.executable, "-c", _HELD, str(mark), where, "casefinding", *report],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + BOUND_SECONDS
        while not mark.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert mark.exists(), "case finding never reached the point where it is killed"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    # nothing of the killed run is kept, and nothing it started from is lost
    assert casefinding_state(killed) == before

    onestory("casefinding", *report, env=env)
    assert casefinding_state(killed) == expected
    assert "Audit log intact" in onestory("audit", "verify", env=env).stdout


# --- a full disk ---------------------------------------------------------------------------


def _sources_state() -> dict:
    from onestory.sources.models import QuarantinedRow, SourceEvent, SourceRecord

    return {
        "records": sorted(
            SourceRecord.objects.values_list("system__code", "local_id", "content_hash")
        ),
        "events": sorted(
            SourceEvent.objects.values_list("system__code", "local_id", "content_hash")
        ),
        "quarantined": sorted(
            QuarantinedRow.objects.values_list("file_name", "row_number", "content_hash")
        ),
    }


def _clear_sources() -> None:
    from onestory.sources.models import (
        ImportFile,
        QuarantinedRow,
        SourceEvent,
        SourceRecord,
        SourceRelationship,
        SourceSystem,
    )

    for model in (SourceEvent, SourceRelationship, SourceRecord, QuarantinedRow, ImportFile):
        model.objects.all().delete()
    SourceSystem.objects.all().delete()


@pytest.mark.django_db
def test_full_disk_during_import_fails_the_file_cleanly_and_a_rerun_completes(
    tmp_path, monkeypatch
):
    from onestory.audit.actions import verify_audit_log
    from onestory.sources import store
    from onestory.sources.actions import import_path
    from onestory.sources.models import ImportFile, SourceEvent
    from onestory.synthetic import generate

    generate(25, 4, tmp_path, 0.0)
    by = Actor.system("test")
    real_execute = store._Writer._execute
    writes = {"n": 0}

    def disk_fills_up(self, sql, rows, prepare):
        writes["n"] += 1
        if writes["n"] > 6:  # a few batches go in, then the disk is full for good
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_execute(self, sql, rows, prepare)

    monkeypatch.setattr(store._Writer, "_execute", disk_fills_up)
    result = import_path(tmp_path, by=by)
    failed = [f for f in result.files if f.error]
    done = [f for f in result.files if not f.error]
    assert failed and done
    for f in failed:
        assert f.error.startswith(f"{f.file}: could not be imported")
        assert "No space left on device" in f.error
        # nothing of a failed file is left: no events from it, no record of its import
        assert not SourceEvent.objects.filter(source_file=f.file).exists()
        assert not ImportFile.objects.filter(file_name=f.file).exists()
    assert set(ImportFile.objects.values_list("file_name", flat=True)) == {f.file for f in done}
    assert verify_audit_log().first_broken_id is None

    monkeypatch.setattr(store._Writer, "_execute", real_execute)  # space freed
    again = import_path(tmp_path, by=by)
    assert not [f for f in again.files if f.error]
    after_fault = _sources_state()

    _clear_sources()
    import_path(tmp_path, by=by)
    assert _sources_state() == after_fault
    check = verify_audit_log()
    assert check.first_broken_id is None and not check.problems
