"""Coverage of the estimators' 95% intervals on generated nations (issue 15 acceptance).

    python3 -m uv run --frozen python bench/evaluation_coverage.py --seeds 20 --people 150000

For each seed 1..N: a nation (three partnerships of four localities, six years) with a
planted initiative (−30% emergency admissions for people 65+ with moderate or severe
frailty, in three localities from quarter 12) and a placebo initiative (no effect, three
other localities, same start); the indicator panel from its Parquet tables; DiD, synthetic
control and synthetic DiD on the crude emergency admission rate per 100,000, treated
localities against the rest (the planted ones left out of the placebo's controls). See
`onestory.evaluation.indicators.coverage`.

Prints each run, then per method: how many planted runs' 95% intervals held the true
average effect on the treated (`truth/effects.csv`), and how many placebo runs were called
significant (interval leaving out zero). Asserts nothing.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onestory.evaluation.indicators import coverage  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--people", type=int, default=150_000)
    parser.add_argument("--effect", type=float, default=-0.3)
    args = parser.parse_args()
    runs = []
    began = time.perf_counter()
    for seed in range(1, args.seeds + 1):
        t = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            got = coverage.run_seed(seed, args.people, Path(folder), args.effect)
        runs += got
        for r in got:
            print(
                f"seed {seed:2d} {r.initiative:8s} {r.method:5s} truth {r.truth:8.1f} "
                f"estimate {r.att:8.1f} se {r.se or float('nan'):7.1f} "
                f"covered {'yes' if r.covered else 'NO '} "
                f"significant {'yes' if r.significant else 'no'}",
                flush=True,
            )
        print(f"seed {seed} took {time.perf_counter() - t:.1f} s", flush=True)
    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(200)
    print(
        f"\n{args.seeds} seeds, {args.people:,} people, effect {args.effect:+.0%}, "
        f"{time.perf_counter() - began:.0f} s"
    )
    print(coverage.summary(runs))


if __name__ == "__main__":
    main()
