"""`onestory backup` and `onestory restore` on a database of its own (SQLite; PostgreSQL
on the PostgreSQL pass through pg_dump/pg_restore): after a restore, every table holds
exactly the rows it held at the backup, and the audit chain verifies."""

import pytest

from tests.integration._processes import environment, fresh_database, session


@pytest.fixture(scope="module")
def borough(tmp_path_factory):
    from onestory.synthetic import generate

    out = tmp_path_factory.mktemp("borough")
    generate(40, 3, out, 0.0)
    return out


def test_restore_brings_back_every_record_and_a_verified_audit_chain(tmp_path, borough):
    backup = tmp_path / "onestory.backup"
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with fresh_database(tmp_path) as url:
        env = environment(url, tmp_path)
        (
            migrated,
            imported,
            at_backup,
            backed_up,
            backed_up_again,
            queued,
            changed,
            refused,
            not_a_backup,
            restored,
            after,
            verified,
        ) = session(
            env,
            ["migrate"],
            ["import", str(borough), "--json"],
            "SNAPSHOT",
            ["backup", "--out", str(backup)],
            ["backup", "--out", str(backup)],
            # Work after the backup: a job queued (a row and an audit event), then lost.
            ["jobs", "start", "casefinding"],
            "SNAPSHOT",
            ["restore", str(backup)],
            ["restore", str(junk), "--replace"],
            ["restore", str(backup), "--replace"],
            "SNAPSHOT",
            ["audit", "verify"],
        )
    assert migrated["code"] == imported["code"] == 0, migrated["err"] + imported["err"]
    assert at_backup["sources_sourcerecord"][0] > 0
    assert at_backup["audit_auditevent"][0] > 0
    assert backed_up["code"] == 0 and "Backed up" in backed_up["out"]
    assert backed_up_again["code"] == 2 and "already exists" in backed_up_again["err"]
    assert queued["code"] == 0 and changed != at_backup
    assert refused["code"] == 2 and "--replace" in refused["err"]
    assert not_a_backup["code"] == 2 and "is not" in not_a_backup["err"]
    assert restored["code"] == 0, restored["err"]
    assert "Audit log intact" in restored["out"]
    assert after == at_backup
    assert verified["code"] == 0 and "Audit log intact" in verified["out"]
