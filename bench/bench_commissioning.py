"""Population segments and the Better Care Fund metrics on DuckDB: time and peak memory.

    python3 -m uv run --frozen python bench/bench_commissioning.py --people 1000000

Feeds the engine (`onestory.commissioning.engine`) the case-finding benchmark's generated
tables (`bench_casefinding.generate`: conditions, medications, A&E, admissions, social care
packages, shaped like the borough's), with what the metrics read added: each admission's
primary diagnosis code (chronic ambulatory care sensitive conditions, falls, others), a
reablement service starting on the day of some older people's discharge, and care-home
placements, some followed by a move from residential to nursing care.

In the same process it times a baseline: one DuckDB pass that counts each person's hospital
and evidence rows (the floor any per-person computation over these tables pays). Each stage
runs once; it reports, it asserts nothing.
"""

import argparse
import importlib.util
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onestory.commissioning import engine  # noqa: E402
from onestory.commissioning.domain import bcf  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "bench_casefinding", ROOT / "bench/bench_casefinding.py"
)
assert _spec is not None and _spec.loader is not None
casefinding = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(casefinding)

YEAR = bcf.Year.parse("2025-26")
AS_OF = date(2026, 3, 31)
DIAGNOSES = np.array(
    [
        "233604007",  # pneumonia
        "68566005",  # urinary tract infection
        "29857009",  # chest pain
        "195951007",  # COPD exacerbation (chronic ACSC)
        "84114007",  # heart failure (chronic ACSC)
        "281239006",  # asthma exacerbation (chronic ACSC)
        "217082002",  # accidental fall
        "5913000",  # fractured neck of femur
    ]
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n: int, seed: int = 8) -> dict[str, pl.DataFrame]:
    tables = casefinding.generate(n, seed)
    rng = np.random.default_rng(seed + 1)
    hospital = tables["hospital"]
    codes = DIAGNOSES[rng.integers(0, len(DIAGNOSES), hospital.height)]
    hospital = hospital.with_columns(
        pl.Series("diagnosis_code", codes),
        pl.when(pl.col("destination") == "usual place")
        .then(pl.lit("usual place of residence"))
        .otherwise(pl.col("destination"))
        .alias("destination"),
    )
    people = tables["people"]
    older = hospital.join(people.select("person_id", "birth_date"), on="person_id").filter(
        (pl.col("kind") == "admission")
        & (pl.col("destination") != "died")
        & (pl.col("birth_date") <= pl.lit(date(1960, 1, 1)))
    )
    reabled = older.filter(pl.Series(rng.random(older.height) < 0.2))
    reablement = reabled.select(
        "person_id",
        pl.lit("social_care_service").alias("source"),
        pl.lit("Short Term Support: Reablement").alias("code"),
        pl.col("end").alias("start"),
        (pl.col("end") + pl.duration(days=35)).alias("end"),
    )
    placed = older.filter(pl.Series(rng.random(older.height) < 0.03))
    moved = rng.random(placed.height) < 0.3
    stay = pl.Series(rng.integers(60, 500, placed.height)).cast(pl.Int64)
    residential = placed.select(
        "person_id",
        pl.lit("social_care_service").alias("source"),
        pl.lit("Long Term Support: Residential").alias("code"),
        pl.col("end").alias("start"),
        pl.when(pl.Series(moved))
        .then(pl.col("end") + pl.duration(days=stay))
        .otherwise(None)
        .alias("end"),
    )
    nursing = residential.filter(pl.Series(moved)).select(
        "person_id",
        "source",
        pl.lit("Long Term Support: Nursing").alias("code"),
        (pl.col("end") + pl.duration(days=1)).alias("start"),
        pl.lit(None, dtype=pl.Date).alias("end"),
    )
    tables["hospital"] = hospital
    tables["evidence"] = pl.concat([tables["evidence"], reablement, residential, nursing])
    return tables


def run_one(n: int, threads: int | None) -> dict:
    timings: dict[str, float] = {}

    def timed(name, fn):
        started = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - started
        return out

    tables = timed("generate", lambda: generate(n))
    rows = {k: v.height for k, v in tables.items()}
    con = engine.connect(threads)
    timed("load", lambda: engine.load(con, **tables))
    tables.clear()
    timed(
        "baseline: count rows per person",
        lambda: con.sql(
            """SELECT person_id, count(*) FROM (
                   SELECT person_id FROM hospital UNION ALL SELECT person_id FROM evidence)
               GROUP BY person_id"""
        ).fetchall(),
    )
    people = timed(
        "segments (eFI, flags, one segment each)", lambda: engine.segment_people(con, AS_OF)
    )
    metrics = timed("BCF metrics (five, whole population)", lambda: engine.bcf_metrics(con, YEAR))
    base = timings["baseline: count rows per person"]
    print(f"\n{n:,} people; rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    for name, seconds in timings.items():
        print(f"  {name:<48} {seconds:8.2f} s   x{seconds / base:7.1f} baseline")
    print(f"  {'peak memory (process RSS)':<48} {peak_mb():8.0f} MB")
    counts = engine.segment_counts(people)
    print("  segments: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    for name, e in metrics.estimates.items():
        print(f"  {name:<40} {e.value!s:>22}  ({e.numerator:,} / {e.denominator:,})")
    return {
        "people": n,
        "rows": rows,
        "seconds": timings,
        "peak_mb": peak_mb(),
        "segments": counts,
        "metrics": {k: [e.value, e.numerator, e.denominator] for k, e in metrics.estimates.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results = [run_one(n, args.threads) for n in args.people]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
