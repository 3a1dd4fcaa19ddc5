"""Time the pipeline, synth -> import -> link, for one or more borough sizes.

    python bench/bench_pipeline.py --people 20000 100000

Each size gets a fresh SQLite database and a fresh extract directory in a temporary folder,
all in this one process. Alongside the stages the script measures two baselines in the same
process: reading the very same extract files with the standard library (csv, json, and
openpyxl in read-only mode for the one workbook), with no validation and no database — the
baseline for synth and import; and fetching the columns linkage reads from the stored source
records — the baseline for link. A stage's ratio to its baseline says how many times dearer
it is than merely reading its input, which, unlike seconds, carries over from one machine to
another. No assertions: it reports.
"""

import argparse
import csv
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXTRACT_SUFFIXES = {".csv", ".json", ".xlsx"}
NOT_EXTRACTS = {"truth.csv", "manifest.json"}
BASELINE_REPEATS = 3


def _extract_files(out: Path) -> list[Path]:
    return sorted(
        p for p in out.iterdir() if p.suffix in EXTRACT_SUFFIXES and p.name not in NOT_EXTRACTS
    )


def read_extracts_baseline(out: Path) -> tuple[float, int]:
    """Seconds to read every extract with the standard library once, and the rows read (CSV
    data rows, FHIR bundle entries, workbook data rows)."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    rows = 0
    for path in _extract_files(out):
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as f:
                rows += sum(1 for _ in csv.DictReader(f))
        elif path.suffix == ".json":
            with path.open(encoding="utf-8") as f:
                rows += len(json.load(f).get("entry", []))
        else:
            wb = load_workbook(path, read_only=True)
            try:
                for sheet in wb.worksheets:
                    rows += max(0, sum(1 for _ in sheet.iter_rows(values_only=True)) - 1)
            finally:
                wb.close()
    return time.perf_counter() - started, rows


def _fresh_database(db_path: Path) -> None:
    """Close every connection, delete the SQLite file, and migrate a new one."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


def _read_linkage_columns() -> int:
    """The link stage's baseline: fetch the columns linkage reads, and nothing more."""
    from onestory.sources.models import SourceRecord

    rows = SourceRecord.objects.values_list(
        "id", "nhs_number", "norm_given", "norm_family", "date_of_birth", "norm_postcode"
    )
    return sum(1 for _ in rows.iterator(chunk_size=5000))


def _timed(fn):
    gc.collect()
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench_size(people: int, seed: int, workdir: Path, db_path: Path) -> list[dict]:
    """Run synth, import and link for one size; return one row per stage."""
    from onestory.audit.domain.actor import Actor
    from onestory.demo import generate_borough
    from onestory.people.actions import run_linkage
    from onestory.sources.actions import import_path
    from onestory.sources.models import SourceEvent, SourceRecord

    _fresh_database(db_path)
    out = workdir / f"borough-{people}"
    actor = Actor.system("bench", channel="cli")

    synth_s, _ = _timed(lambda: generate_borough(out, people=people, seed=seed))
    # Baselines are the best of BASELINE_REPEATS: they are the floor a stage is compared
    # with, and the best run is the one least disturbed by whatever else the machine does.
    baseline_s, rows_in_files = min(read_extracts_baseline(out) for _ in range(BASELINE_REPEATS))
    import_s, _ = _timed(lambda: import_path(out, by=actor))
    records = SourceRecord.objects.count()
    events = SourceEvent.objects.count()
    read_records_s = min(_timed(_read_linkage_columns)[0] for _ in range(BASELINE_REPEATS))
    link_s, _ = _timed(lambda: run_linkage(by=actor))

    def row(stage, seconds, rows, unit, baseline_s=baseline_s):
        return {
            "people": people,
            "stage": stage,
            "seconds": round(seconds, 3),
            "rows": rows,
            "unit": unit,
            "rows_per_second": round(rows / seconds) if seconds else None,
            "ratio_to_baseline": round(seconds / baseline_s, 1) if baseline_s else None,
        }

    return [
        row("baseline: read extracts (stdlib)", baseline_s, rows_in_files, "extract rows"),
        row("synth", synth_s, rows_in_files, "extract rows"),
        row("import", import_s, rows_in_files, "extract rows"),
        row(
            "baseline: read records (ORM)",
            read_records_s,
            records,
            "source records",
            read_records_s,
        ),
        row("link", link_s, records, "source records", read_records_s),
        {"people": people, "stage": "(stored)", "source_records": records, "events": events},
    ]


def _print(rows: list[dict]) -> None:
    header = f"{'people':>8}  {'stage':<34}{'seconds':>9}{'rows':>10}{'rows/s':>10}{'x base':>8}"
    print(header)
    print("-" * len(header))
    for r in rows:
        if r["stage"] == "(stored)":
            print(
                f"{'':>8}  stored: {r['source_records']:,} source records, {r['events']:,} events"
            )
            continue
        print(
            f"{r['people']:>8,}  {r['stage']:<34}{r['seconds']:>9.2f}{r['rows']:>10,}"
            f"{r['rows_per_second'] or 0:>10,}{r['ratio_to_baseline'] or 0:>8.1f}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[20000, 100000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="onestory-bench-"))
    db_path = workdir / "bench.sqlite3"
    # Before django.setup(): the settings read DATABASE_URL once.
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("ONESTORY_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestory.settings")
    import django

    django.setup()

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"working in {workdir}")
    results = []
    try:
        for people in args.people:
            rows = bench_size(people, args.seed, workdir, db_path)
            _print(rows)
            print()
            results.extend(rows)
    finally:
        if not args.keep:
            import shutil

            from django.db import connections

            connections.close_all()
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
