"""The analytics jobs for a Spark cluster, on a synthetic nation's Parquet folder:

    spark-submit --master spark://host:7077 onestory/spark/job.py indicators \
        --nation /shared/nation --out /shared/panel.parquet
    spark-submit ... onestory/spark/job.py casefinding --nation /shared/nation

`indicators` writes the unsuppressed locality-quarter panel (a nation's is synthetic and
unrestricted, ADR 0021) as Parquet; `casefinding` trains and scores the risk model and
assigns segments, and prints counts and the model's held-out AUC only. Both call the
functions the DuckDB path calls (`nation_panel`, `casework.train`/`score`,
`commissioning.segment_people`) with a `SparkConnection`; the session is spark-submit's
(master, executors, memory), or local mode when run with plain `python`.

The nation folder must be readable at the same path by the driver (which reads the
manifest and the small CSVs) and by every executor (which read the Parquet files): a shared
or mounted file system. No Django here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path


def indicators(args) -> dict:
    from onestory.evaluation.indicators.nation import nation_panel
    from onestory.spark.connection import SparkConnection

    panel = nation_panel(args.nation, con=SparkConnection())
    if args.out:
        panel.write_parquet(args.out)
    return {"rows": panel.height, "numerators": int(panel["numerator"].sum())}


def casefinding(args) -> dict:
    import polars as pl

    from onestory.casework import engine as casework
    from onestory.commissioning import engine as commissioning
    from onestory.evaluation.indicators.nation import first_quarter
    from onestory.spark.connection import SparkConnection
    from onestory.synthetic.nation import calendar
    from onestory.synthetic.nation.casefinding import engine_tables

    starts, _ = calendar(first_quarter(args.nation)[1] // 4)
    tables = engine_tables(args.nation, (starts[0] - date(1970, 1, 1)).days)
    tables["hospital"] = tables["hospital"].with_columns(diagnosis_code=pl.lit(None, pl.String))
    con = SparkConnection()
    commissioning.load(con, **tables)
    as_of = starts[-1] - timedelta(days=1)
    fit = casework.train(con, as_of)
    listed = casework.score(con, as_of, fit.model)
    segments = commissioning.segment_counts(commissioning.segment_people(con, as_of))
    return {
        "as_of": as_of.isoformat(),
        "scored": listed.height,
        "auc": fit.auc,
        "categories": dict(listed["efi_category"].value_counts().iter_rows()),
        "segments": segments,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="job", required=True)
    p = sub.add_parser("indicators", help="the nation's locality-quarter panel")
    p.add_argument("--nation", type=Path, required=True)
    p.add_argument("--out", default=None, help="write the panel as Parquet here")
    p = sub.add_parser("casefinding", help="risk, eFI and segments for everyone")
    p.add_argument("--nation", type=Path, required=True)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    result = indicators(args) if args.job == "indicators" else casefinding(args)
    result["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
