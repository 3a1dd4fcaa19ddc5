"""Time `onestory synth` for several borough sizes, against a plain-CSV baseline.

For each size: the baseline writes the same number of rows as the generator wrote, as
plain CSV lines of similar width with the standard library (best of three), then the
generator runs once. Prints the time, rows per second, total size on disk and the ratio of
the generator's time to the baseline's. Asserts nothing.

    python3 -m uv run --frozen python bench/bench_synth.py --people 2000 20000 100000
"""

import argparse
import csv
import shutil
import tempfile
import time
from pathlib import Path

from onestory.synthetic import generate


def baseline(out: Path, rows: int, width: int = 24) -> float:
    """Seconds to write `rows` CSV rows of `width` short columns with `csv.writer`."""
    best = float("inf")
    row = [f"value{i}" for i in range(width)]
    for _ in range(3):
        started = time.perf_counter()
        with open(out / "baseline.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            for _ in range(rows):
                w.writerow(row)
        best = min(best, time.perf_counter() - started)
    (out / "baseline.csv").unlink()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--error-rate", type=float, default=0.002)
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    print(
        f"{'people':>8} {'rows':>10} {'synth s':>8} {'rows/s':>9} {'MB':>7} "
        f"{'baseline s':>10} {'ratio':>6}"
    )
    try:
        for n in args.people:
            out = root / f"b{n}"
            started = time.perf_counter()
            summary = generate(n, args.seed, out, args.error_rate)
            elapsed = time.perf_counter() - started
            rows = sum(f["rows"] for name, f in summary.files.items() if name != "truth.csv")
            size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
            base = baseline(root, rows)
            print(
                f"{n:>8} {rows:>10,} {elapsed:>8.2f} {rows / elapsed:>9,.0f} {size:>7.1f} "
                f"{base:>10.2f} {elapsed / base:>6.1f}"
            )
            if not args.keep:
                shutil.rmtree(out)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"kept in {root}")


if __name__ == "__main__":
    main()
