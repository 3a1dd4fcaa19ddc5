"""`onestory --help` and the light commands start quickly: they never import the heavy
numerical and engine libraries (those are imported inside the commands that use them).

Each check runs in a fresh Python process (a module imported by an earlier test would
otherwise look loaded), on a SQLite file of its own: once, on the SQLite pass."""

import json
import subprocess
import sys

import pytest

from tests.integration._processes import ROOT, environment, on_postgresql

HEAVY = ("scipy", "statsmodels", "pyspark", "splink", "ortools", "duckdb", "polars")

_PROBE = """
import contextlib, io, json, sys
from onestory import cli
HEAVY = set(json.loads(sys.argv[1]))
results = []
for argv in json.loads(sys.argv[2]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            cli.main(argv)
            code = 0
        except SystemExit as done:
            code = done.code or 0
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    results.append({"argv": argv, "code": code, "out": out.getvalue(), "heavy": loaded})
print("RESULTS" + json.dumps(results))
"""

pytestmark = pytest.mark.skipif(
    on_postgresql(), reason="runs on a SQLite file of its own: once, on the SQLite pass"
)


def _probe(tmp_path, *commands: list[str]) -> list[dict]:
    env = environment(f"sqlite:///{tmp_path / 'startup.sqlite3'}", tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(HEAVY), json.dumps(list(commands))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    marker = done.stdout.rfind("RESULTS")
    assert done.returncode == 0 and marker >= 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(done.stdout[marker + len("RESULTS") :])


def test_cli_module_imports_no_heavy_library():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; import onestory.cli; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{set(HEAVY)!r})))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_cli_help_and_light_commands_import_no_heavy_library(tmp_path):
    results = _probe(
        tmp_path,
        ["--help"],
        ["evaluate", "--help"],
        ["sharedlives", "match", "--help"],
        ["synth", "--help"],
        ["who-pays", "--help"],
        ["audit", "verify"],
        ["jobs", "list"],
    )
    for result in results:
        assert result["code"] == 0, result
        assert result["heavy"] == [], f"onestory {' '.join(result['argv'])}: {result['heavy']}"
    assert "casefinding" in results[0]["out"]  # the help really listed the commands
    assert "Audit log intact" in results[5]["out"]


def test_cli_heavy_command_still_loads_its_library_when_it_runs(tmp_path):
    """The probe does see a heavy import when one happens (so the checks above can fail)."""
    (results,) = _probe(
        tmp_path,
        [
            "evaluate",
            "did",
            "--panel",
            str(tmp_path / "none.csv"),
            "--unit",
            "u",
            "--time",
            "t",
            "--outcome",
            "y",
            "--treated",
            "a",
            "--start",
            "2",
        ],
    )
    assert results["heavy"], results
