"""Generating a synthetic nation over six years: time, peak memory and rows per second,
against writing the same number of plain rows in the same process.

    python3 -m uv run --frozen python bench/bench_nation.py --people 100000 1000000
    python3 -m uv run --frozen python bench/bench_nation.py --people 100000 --format both --auc

For each size: first the baseline — the same number of rows as the nation wrote, as plain
three-column Parquet rows (a person id, a day, a number) written in the same chunks — then
the nation (`generate_nation`, Parquet by default) into a temporary folder. Peak memory is
the process's peak resident set, read after each stage (so the baseline, run first at the
largest size, bounds what a plain write needs). With `--auc`, also the held-out AUC of the
case-finding model beside age alone and the true risks. It asserts nothing.
"""

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onestory.synthetic.nation import CHUNK, generate_nation  # noqa: E402
from onestory.synthetic.nation.scenario import build  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_rows(out: Path, rows: int, seed: int = 1) -> None:
    """`rows` plain rows to one Parquet file, in chunks of the nation's chunk size."""
    rng = np.random.default_rng(seed)
    writer = None
    done = 0
    while done < rows:
        n = min(rows - done, CHUNK * 40)
        frame = pl.DataFrame(
            {
                "person_id": np.arange(done, done + n, dtype=np.int64),
                "day": rng.integers(18_000, 20_500, n),
                "value": rng.random(n),
            }
        ).to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(out / "plain.parquet", frame.schema, compression="zstd")
        writer.write_table(frame)
        done += n
    if writer is not None:
        writer.close()


def run_one(n: int, formats: set[str], auc: bool, seed: int) -> dict:
    scenario = build(seed=seed, people=n, partnerships=max(1, n // 250_000), localities=4, years=6)
    folder = Path(tempfile.mkdtemp(prefix="bench-nation-"))
    try:
        started = time.perf_counter()
        summary = generate_nation(scenario, folder / "nation", formats)
        nation_s = time.perf_counter() - started
        nation_peak = peak_mb()
        rows = sum(summary.files.values())
        (folder / "plain").mkdir()
        started = time.perf_counter()
        plain_rows(folder / "plain", rows)
        plain_s = time.perf_counter() - started
        size_mb = sum(f.stat().st_size for f in (folder / "nation").rglob("*") if f.is_file())
        result = {
            "people": n,
            "partnerships": scenario.partnerships,
            "quarters": scenario.quarters,
            "formats": sorted(formats),
            "rows": rows,
            "nation_seconds": nation_s,
            "nation_rows_per_second": rows / nation_s,
            "plain_seconds": plain_s,
            "plain_rows_per_second": rows / plain_s,
            "ratio": nation_s / plain_s,
            "peak_mb": nation_peak,
            "output_mb": size_mb / 1e6,
        }
        print(
            f"\n{n:,} people, {scenario.partnerships} partnerships × 4 localities, "
            f"{scenario.quarters} quarters, {'+'.join(sorted(formats))}: {rows:,} rows, "
            f"{size_mb / 1e6:,.0f} MB"
        )
        print(f"  nation      {nation_s:8.1f} s  {rows / nation_s:12,.0f} rows/s")
        print(f"  plain rows  {plain_s:8.1f} s  {rows / plain_s:12,.0f} rows/s")
        print(f"  ratio (nation / plain) x{nation_s / plain_s:.1f}")
        print(f"  peak memory (process RSS after the nation) {nation_peak:,.0f} MB")
        if auc:
            from onestory.synthetic.nation.casefinding import compare

            if "parquet" not in formats:
                print("  (--auc needs --format parquet or both)")
            else:
                c = compare(folder / "nation", scenario.years)
                result["auc"] = c.__dict__ | {"as_of": c.as_of.isoformat()}
                print(
                    f"  held-out AUC, emergency admission in the year to {c.as_of}: "
                    f"model {c.auc_model:.3f}, age alone {c.auc_age_only:.3f}, "
                    f"true risks {c.auc_best_possible:.3f} ({c.held_out:,} people held out)"
                )
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--format", choices=("parquet", "extracts", "both"), default="parquet")
    parser.add_argument("--auc", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    formats = {"extracts", "parquet"} if args.format == "both" else {args.format}
    results = [run_one(n, formats, args.auc, args.seed) for n in args.people]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
