"""The indicator panel of a synthetic nation, from its Parquet tables (`onestory synth
--format parquet|both`), through the same SQL as the linked record (`engine`), so that
estimators can be tried at scale against the nation's known effects (`truth/effects.csv`).

    frame = nation_panel(Path("var/nation"), ["emergency_admissions"])

The nation's tables are read in place (DuckDB scans the Parquet files) and shaped into the
engine's six input tables as views:
- people: `parquet/people.parquet` (day numbers since 1970-01-01; `died_day` −1 when alive);
- residence: each person's locality over time from their current locality and the moves in
  `truth/moves.parquet`, which stand in for the GP registration history a partnership has
  (a move in a quarter takes effect from the next quarter's first day, as the nation counts
  its population);
- spells: `admissions.parquet` (all emergency; kind 1 ACSC, 2 falls; destination 0 usual
  place, 1 died, 2 care home, 3 reablement at home, which is the usual place);
- ae: `ae_attendances.parquet`;
- care: `social_care.parquet` (care homes until death, nursing with 14+ deficits as the
  extracts say; reablement six weeks);
- reablement: the reablement rows with their `outcome_91` (0: at home on day 91).
No Django here.
"""

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from onestory.evaluation.indicators import domain as d
from onestory.evaluation.indicators import engine

EPOCH = "DATE '1970-01-01'"


def _day(col: str) -> str:
    return f"({EPOCH} + CAST({col} AS INTEGER))"


def first_quarter(folder: Path) -> tuple[d.Quarter, int]:
    """The nation's first quarter and how many quarters it has, from its manifest."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    first = date.fromisoformat(manifest["first_quarter_start"])
    return d.Quarter.of(first), 4 * int(manifest["years"])


def load(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """The engine's input tables as views over the nation's files."""
    pq = folder / "parquet"
    first, quarters = first_quarter(folder)
    # the small reference tables are read here, so the SQL below runs on DuckDB and Spark alike
    with (folder / "places" / "partnerships.csv").open(encoding="utf-8") as handle:
        partnerships = {r["partnership"]: r["code"] for r in csv.DictReader(handle)}
    with (folder / "places" / "localities.csv").open(encoding="utf-8") as handle:
        codes = [
            (int(r["locality"]), r["code"], partnerships[r["partnership"]])
            for r in csv.DictReader(handle)
        ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE codes "
        "(locality INTEGER, locality_code VARCHAR, partnership_code VARCHAR)"
    )
    con.executemany("INSERT INTO codes VALUES (?, ?, ?)", codes)
    # quarter k's first day (a move in quarter k takes effect on quarter k + 1's)
    starts, quarter = [], first
    for k in range(quarters + 41):
        starts.append((k, quarter.start))
        quarter = quarter.next()
    con.execute("CREATE OR REPLACE TEMP TABLE quarter_starts (quarter INTEGER, start DATE)")
    con.executemany("INSERT INTO quarter_starts VALUES (?, ?)", starts)
    con.execute(
        f"""CREATE OR REPLACE VIEW people AS
            SELECT person_id, {_day("dob_day")} AS birth_date,
                   CASE WHEN died_day >= 0 THEN {_day("died_day")} END AS died,
                   locality::INTEGER AS locality
            FROM read_parquet('{pq / "people.parquet"}')"""
    )
    # A move in quarter k takes effect on quarter k + 1's first day.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE residence AS
            WITH m AS (
                SELECT v.person_id, v.from_locality, v.to_locality, q.start AS effective
                FROM read_parquet('{folder / "truth" / "moves.parquet"}') v
                JOIN quarter_starts q ON q.quarter = v.quarter + 1
                WHERE v.from_locality <> v.to_locality
            ),
            spans AS (
                SELECT person_id, from_locality AS locality,
                       coalesce(lag(effective) OVER w, DATE '1900-01-01') AS valid_from,
                       effective AS valid_to
                FROM m WINDOW w AS (PARTITION BY person_id ORDER BY effective)
                UNION ALL
                SELECT p.person_id, p.locality,
                       coalesce(max(m.effective), DATE '1900-01-01'), NULL
                FROM people p LEFT JOIN m ON m.person_id = p.person_id
                GROUP BY p.person_id, p.locality
            )
            SELECT s.person_id, c.partnership_code AS partnership,
                   c.locality_code AS locality, s.valid_from::DATE AS valid_from,
                   s.valid_to::DATE AS valid_to
            FROM spans s JOIN codes c ON c.locality = s.locality"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW spells AS
            SELECT person_id, {_day('"start"')} AS admitted, {_day('"end"')} AS discharged,
                   TRUE AS emergency, kind = 1 AS acsc, kind = 2 AS fall,
                   CASE destination WHEN 1 THEN 'died' WHEN 2 THEN 'other' ELSE 'usual' END
                     AS destination
            FROM read_parquet('{pq / "admissions.parquet"}')"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW ae AS
            SELECT person_id, {_day("day")} AS arrived
            FROM read_parquet('{pq / "ae_attendances.parquet"}')"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW care AS
            SELECT c.person_id,
                   CASE WHEN c.kind <= 2 AND c.deficits >= 14 THEN 'nursing'
                        WHEN c.kind <= 2 THEN 'residential'
                        WHEN c.kind = 3 THEN 'community' ELSE 'reablement' END AS setting,
                   {_day("c.start")} AS start,
                   CASE WHEN c.kind = 4 THEN {_day("c.start + 42")} ELSE p.died END AS "end"
            FROM read_parquet('{pq / "social_care.parquet"}') c
            JOIN people p ON p.person_id = c.person_id"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW reablement AS
            SELECT person_id, {_day("start")} AS discharged, outcome_91 = 0 AS at_home
            FROM read_parquet('{pq / "social_care.parquet"}')
            WHERE kind = 4
            QUALIFY row_number() OVER (
                PARTITION BY person_id, date_trunc('quarter', {_day("start")})
                -- two discharges into reablement on one day: the one at home counts, so
                -- the choice does not depend on an engine's row order
                ORDER BY start, outcome_91) = 1"""
    )


def nation_panel(
    folder: Path,
    indicators: list[str] | None = None,
    *,
    partnership: str | None = None,
    localities: list[str] | None = None,
    threads: int | None = None,
    con=None,
) -> pl.DataFrame:
    """The locality-quarter panel (`domain.PANEL_COLUMNS`) of the nation in `folder`, over
    all its quarters; unsuppressed — for estimators and benchmarks, never for display.
    `con`: the engine to run on (a DuckDB connection by default; `spark.SparkConnection`
    runs the same SQL on Spark)."""
    if not (folder / "parquet" / "people.parquet").exists():
        raise FileNotFoundError(
            f"{folder}: no parquet/people.parquet (generate with --format parquet or both)"
        )
    con = con if con is not None else engine.connect(threads)
    load(con, folder)
    first, n = first_quarter(folder)
    periods = [first]
    while len(periods) < n:
        periods.append(periods[-1].next())
    return engine.panel(con, periods, indicators, partnership=partnership, localities=localities)
