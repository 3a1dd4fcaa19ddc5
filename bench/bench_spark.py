"""Indicators, case finding and segments on DuckDB and on Spark (local mode), on generated
nations: time, peak memory and cost per input row for each engine.

    flock /tmp/onestory-bench.lock python3 -m uv run --frozen python bench/bench_spark.py \
        --people 1000000 2000000 5000000

For each size a nation (5 partnerships × 6 localities, two years, Parquet) is generated in a
child process (`onestory synth`, untimed here). Then, for each engine, a fresh child process
runs, through the same functions the tests compare (`nation_panel`, `casework.train` and
`score`, `commissioning.segment_people`):

1. **indicators** — all nine indicators for every locality and quarter, from the Parquet
   files (the engine reads them itself);
2. **prepare** — the nation as case finding's input tables (Polars, the same for both
   engines; timed, not attributed to an engine);
3. **load** — those tables into the engine (DuckDB copies them; Spark receives them as Arrow
   and keeps them in memory, spilling to disk);
4. **case finding** — train the risk model on the year before the last quarter, then score
   everyone (eFI, risk, LACE, reasons);
5. **segments** — everyone's one segment.

Peak memory is the child's whole process tree (Python, DuckDB, Spark's JVM) sampled every
0.2 s. Cost per row: seconds ÷ input rows (indicators: people, spells, A&E, care and moves;
the rest: case finding's four tables). DuckDB runs with `--threads` (default 2); Spark in
local mode on the same cores with `ONESTORY_SPARK_DRIVER_MEMORY` (default 12g here) and 8
shuffle partitions. It reports; it asserts nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
YEARS = 2


def generate(people: int, out: Path, seed: int) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "onestory", "synth", "--partnerships", "5", "--localities", "6",
         "--years", str(YEARS), "--people", str(people), "--seed", str(seed),
         "--format", "parquet", "--out", str(out)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - began


def worker(engine: str, folder: Path, threads: int, skip: set[str]) -> dict:
    import polars as pl

    from onestory.casework import engine as casework
    from onestory.commissioning import engine as commissioning
    from onestory.evaluation.indicators.nation import nation_panel
    from onestory.synthetic.nation import calendar
    from onestory.synthetic.nation.casefinding import engine_tables

    seconds: dict[str, float] = {}

    def timed(name, fn):
        began = time.perf_counter()
        out = fn()
        seconds[name] = time.perf_counter() - began
        return out

    if engine == "spark":
        from onestory.spark.connection import SparkConnection, session

        os.environ.setdefault("ONESTORY_SPARK_DRIVER_MEMORY", "12g")
        con = timed("start", lambda: SparkConnection(session(cores=threads, shuffle_partitions=8)))
    else:
        con = casework.connect(threads)
    pq = folder / "parquet"
    rows = {
        "indicators": sum(
            pl.scan_parquet(p).select(pl.len()).collect().item()
            for p in [*pq.glob("*.parquet"), folder / "truth" / "moves.parquet"]
            if p.stem != "deficits"
        )
    }
    panel = timed("indicators", lambda: nation_panel(folder, con=con))
    result = {"panel_rows": panel.height, "panel_numerators": int(panel["numerator"].sum())}
    if "casefinding" not in skip:
        starts, _ = calendar(YEARS)
        tables = timed(
            "prepare", lambda: engine_tables(folder, (starts[0] - date(1970, 1, 1)).days)
        )
        tables["hospital"] = tables["hospital"].with_columns(diagnosis_code=pl.lit(None, pl.String))
        rows["casefinding"] = sum(t.height for t in tables.values())
        as_of = starts[-1] - timedelta(days=1)
        # a fresh connection: the nation's views above use the same table names
        if engine == "spark":
            con = SparkConnection(con.spark)
        else:
            con = casework.connect(threads)
        timed("load", lambda: commissioning.load(con, **tables))
        tables.clear()
        fit = timed("case finding: train", lambda: casework.train(con, as_of))
        listed = timed("case finding: score", lambda: casework.score(con, as_of, fit.model))
        segments = timed("segments", lambda: commissioning.segment_people(con, as_of))
        result.update(
            auc=fit.auc,
            scored=listed.height,
            segments=commissioning.segment_counts(segments),
        )
    return {"engine": engine, "rows": rows, "seconds": seconds, **result}


def tree_rss(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run_engine(engine: str, folder: Path, threads: int, skip: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--worker", engine, "--nation", str(folder)]
    cmd += ["--threads", str(threads), *(["--skip", *skip] if skip else [])]
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
    began = time.perf_counter()
    child = subprocess.Popen([*cmd, "--json", out.name], cwd=ROOT)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(child.pid))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    stop.set()
    sampler.join()
    if code != 0:
        return {"engine": engine, "failed": code, "wall": time.perf_counter() - began}
    result = json.loads(Path(out.name).read_text(encoding="utf-8"))
    Path(out.name).unlink()
    result["peak_mb"] = peak / 2**20
    return result


def report(people: int, results: list[dict]) -> None:
    print(f"\n{people:,} people")
    for r in results:
        if "failed" in r:
            print(f"  {r['engine']}: failed (exit {r['failed']}) after {r['wall']:.0f} s")
            continue
        rows = r["rows"]
        print(f"  {r['engine']}: peak {r['peak_mb']:,.0f} MB (process tree); rows {rows}")
        for stage, s in r["seconds"].items():
            n = rows["indicators"] if stage == "indicators" else rows.get("casefinding", 0)
            per = f"{s / n * 1e6:7.2f} µs/row" if n and stage not in ("start", "prepare") else ""
            print(f"    {stage:<22} {s:8.1f} s  {per}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip", nargs="*", default=[], choices=["casefinding"])
    parser.add_argument("--nation", type=Path, default=None, help="reuse a nation folder")
    parser.add_argument("--out", type=Path, default=None, help="append results as JSON lines")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(args.worker, args.nation, args.threads, set(args.skip))
        Path(args.json).write_text(json.dumps(result), encoding="utf-8")
        return 0
    for people in args.people:
        with tempfile.TemporaryDirectory(prefix="onestory-nation-") as tmp:
            folder = args.nation or Path(tmp)
            if args.nation is None:
                took = generate(people, folder, args.seed)
                print(f"nation of {people:,} generated in {took:.0f} s", flush=True)
            results = [run_engine(e, folder, args.threads, args.skip) for e in args.engines]
            report(people, results)
            if args.out:
                with args.out.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"people": people, "results": results}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
