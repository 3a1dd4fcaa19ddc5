"""Indicators by locality and quarter for a synthetic nation, and an evaluation with 1,000
placebo runs: time and peak memory, against baselines in the same process.

    python3 -m uv run --frozen python bench/bench_indicators.py --people 100000
    python3 -m uv run --frozen python bench/bench_indicators.py --people 1000000 --threads 2
    python3 -m uv run --frozen python bench/bench_indicators.py --nation var/nation   # reuse one

The nation (six years, 5 partnerships × 6 localities, the default initiatives, Parquet) is
generated in a child process (`onestory synth`), so this process's peak memory is the
indicators' and the evaluation's alone; `--nation` reuses a folder made before.

1. **Baseline: scan** — DuckDB reads every row of the four event tables and counts them by
   locality and quarter (the columns the files already carry): the least any panel costs.
2. **Indicators** — `nation_panel`: all nine indicators for every locality and quarter
   (people placed by their residence on each day, ages by ESP 2013 band, standardised rates
   and intervals), through the same SQL as the linked record.
3. **Baseline: one fit** — one synthetic DiD fit (`sdid.sdid`) on the emergency admission
   rate, three treated localities against the other 27 (after a warm-up fit; best of three).
4. **Evaluation, 1,000 placebo runs** — the placebo standard error of that fit with 1,000
   placebo draws (`sdid.placebo_se`, the paper's Algorithm 4), and synthetic control's
   with 1,000 (`placebo_se(..., "scm")`).

Prints seconds, peak resident memory (the process's high-water mark after each stage) and
each stage's ratio to its baseline. Asserts nothing.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onestory.evaluation.domain import sdid  # noqa: E402
from onestory.evaluation.domain.panel import from_matrix  # noqa: E402
from onestory.evaluation.indicators import engine  # noqa: E402
from onestory.evaluation.indicators.nation import nation_panel  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(people: int, out: Path, seed: int) -> float:
    began = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "onestory",
            "synth",
            "--partnerships",
            "5",
            "--localities",
            "6",
            "--years",
            "6",
            "--people",
            str(people),
            "--seed",
            str(seed),
            "--format",
            "parquet",
            "--out",
            str(out),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


def scan(folder: Path, threads: int | None) -> tuple[float, int]:
    con = engine.connect(threads)
    began = time.perf_counter()
    pq = folder / "parquet"
    rows = 0
    for table in ("admissions", "ae_attendances", "social_care"):
        got = con.sql(
            f"SELECT locality, quarter, count(*) FROM read_parquet('{pq / table}.parquet') "
            "GROUP BY ALL"
        ).fetchall()
        rows += sum(n for *_k, n in got)
    people = con.sql(f"SELECT count(*) FROM read_parquet('{pq / 'people.parquet'}')")
    rows += people.fetchall()[0][0]
    return time.perf_counter() - began, rows


def treated_panel(frame: pl.DataFrame):
    rates = frame.filter(pl.col("indicator") == "emergency_admissions")
    wide = rates.pivot(on="quarter", index="locality", values="rate_per_100k").sort("locality")
    periods = sorted(c for c in wide.columns if c != "locality")
    units = wide["locality"].to_list()
    treated = units[:3]
    order = [u for u in units if u not in treated] + treated
    y = np.array([wide.filter(pl.col("locality") == u).select(periods).row(0) for u in order])
    return from_matrix(y, n_treated=3, n_pre=len(periods) * 2 // 3, units=order, periods=periods)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--nation", type=Path, default=None, help="reuse a generated nation")
    parser.add_argument("--placebos", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.nation or Path(tmp) / "nation"
        if args.nation is None:
            seconds = generate(args.people, folder, args.seed)
            print(f"generated {args.people:,} people (child process): {seconds:.1f} s")
        t_scan, rows = scan(folder, args.threads)
        print(f"{'stage':38s} {'seconds':>8s} {'peak MB':>8s} {'x base':>7s}")
        print(f"{'baseline: scan and count by quarter':38s} {t_scan:8.2f} {peak_mb():8.0f}")
        began = time.perf_counter()
        frame = nation_panel(folder, threads=args.threads)
        t_panel = time.perf_counter() - began
        print(
            f"{'indicators (9, every locality-quarter)':38s} {t_panel:8.2f} {peak_mb():8.0f} "
            f"{t_panel / t_scan:7.1f}"
        )
        print(
            f"  {rows:,} rows in; {frame.height:,} panel rows "
            f"({frame['locality'].n_unique()} localities × {frame['quarter'].n_unique()} "
            "quarters × 9 indicators)"
        )
    panel = treated_panel(frame)
    fit = sdid.sdid(panel)  # warm-up: the first fit pays for imports and caches
    t_fit = float("inf")
    for _ in range(3):  # the best of three, the floor least disturbed by other work
        began = time.perf_counter()
        sdid.sdid(panel)
        t_fit = min(t_fit, time.perf_counter() - began)
    print(f"{'baseline: one synthetic DiD fit':38s} {t_fit:8.3f} {peak_mb():8.0f}")
    for method in ("sdid", "scm"):
        began = time.perf_counter()
        se = sdid.placebo_se(panel, method, draws=args.placebos, seed=0)
        took = time.perf_counter() - began
        label = f"{method}: {args.placebos:,} placebo runs"
        print(f"{label:38s} {took:8.2f} {peak_mb():8.0f} {took / t_fit:7.0f}")
        print(f"  {took / args.placebos * 1000:.1f} ms a placebo; placebo SE {se:.1f}")
    print(f"  (synthetic DiD estimate {fit.att:.1f} per 100,000 on the first three localities)")


if __name__ == "__main__":
    main()
