"""Every `onestory` subcommand on an empty database ends with a message and an exit status,
never a traceback; a new embedded database is created on first use, and a database this
command must not migrate (PostgreSQL) gets a message naming the command to run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from onestory import cli
from onestory.synthetic import generate

# Commands left out here, and why: each of these has its own test.
NOT_HERE = {
    ("serve",): "blocks while it serves",
    ("demo",): "tests/integration/test_demo.py",
}


def _leaf_commands(parser, prefix=()):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _leaf_commands(sub, (*prefix, name))
            return
    yield prefix


@pytest.fixture(scope="module")
def borough(tmp_path_factory):
    out = tmp_path_factory.mktemp("borough")
    generate(30, 1, out, 0.0)
    return out


def _careplan(tmp: Path) -> Path:
    path = tmp / "careplan.json"
    subject = {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}}
    path.write_text(
        json.dumps(
            {"resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": subject}
        ),
        encoding="utf-8",
    )
    return path


def _argv(command: tuple[str, ...], borough: Path, tmp: Path) -> list[str]:
    gp = sorted(borough.glob("gp_*.json"))[0]
    extra = {
        ("synth",): ["--people", "20", "--out", str(tmp / "synth")],
        ("import",): [str(borough)],
        ("identity", "merge"): ["--reason", "test", "1", "2"],
        ("identity", "unmerge"): ["--record", "gp:x", "--reason", "test", "1"],
        ("who-pays",): [
            *("--capital", "1000", "--property", "0", "--weekly-income", "200"),
            *("--weekly-cost", "800", "--setting", "home"),
        ],
        ("plan", "import"): [str(_careplan(tmp))],
        ("casefinding",): ["--report", str(tmp / "report.html")],
        ("casework", "followup"): ["--out", str(tmp / "followup.html")],
        ("fhir", "import"): [str(gp)],
        ("fhir", "export"): ["--person", "nhs:9990000018", "--out", str(tmp / "x.json")],
        ("fhir", "token", "create"): ["--user", "nobody"],
        ("fhir", "token", "revoke"): ["1"],
        ("jobs", "start", "import"): [str(borough)],
        ("jobs", "cancel"): ["1"],
        ("jobs", "requeue"): ["1"],
        ("worker",): ["--batch"],
        ("backup",): ["--out", str(tmp / "backup.db")],
        ("restore",): [str(tmp / "no-such-backup.db")],
    }
    return [*command, *extra.get(command, [])]


COMMANDS = [c for c in _leaf_commands(cli.build_parser()) if c not in NOT_HERE]


def test_every_subcommand_is_checked_here():
    listed = set(_leaf_commands(cli.build_parser()))
    assert set(NOT_HERE) <= listed
    assert len(COMMANDS) + len(NOT_HERE) == len(listed) >= 15


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_subcommand_on_empty_database_ends_without_traceback(command, borough, tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(_argv(command, borough, tmp_path))
    out, err = capsys.readouterr()
    assert done.value.code in (0, 1, 2)
    assert "Traceback" not in out + err
    if done.value.code:
        assert (out + err).strip(), "a failing command says why"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("command", [("casefinding",), ("casework", "followup")], ids=" ".join)
def test_casework_before_linkage_says_to_run_link(command, borough, tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(_argv(command, borough, tmp_path))
    assert done.value.code == 2
    assert "onestory link" in capsys.readouterr().err


def test_import_into_a_new_embedded_database_creates_it(borough, tmp_path):
    database = tmp_path / "new.sqlite3"
    env = {
        **os.environ,
        "ONESTORY_ENV": "demo",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "onestory.settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "onestory", "import", str(borough), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stderr
    assert json.loads(done.stdout)["totals"]["imported"] > 0
    again = subprocess.run(
        [sys.executable, "-m", "onestory", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0 and "up to date" not in again.stderr


@pytest.mark.django_db
def test_unmigrated_postgresql_is_not_migrated_but_named_the_command(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(cli, "pending_migrations", lambda: ["sources.0001_initial"])
    monkeypatch.setattr(connection, "vendor", "postgresql")
    migrated = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: migrated.append(a))
    with pytest.raises(cli.CommandError, match="onestory migrate"):
        cli.ensure_database_ready()
    assert migrated == []
