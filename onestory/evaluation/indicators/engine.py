"""Indicators by partnership, locality and quarter on DuckDB. No Django: the linked record
(`queries`) and a synthetic nation's Parquet tables (`nation`) are each shaped into the same
six input tables, and the same SQL runs on both.

Input tables (Polars frames, or DuckDB views with these columns):
- people: person_id BIGINT, birth_date DATE, died DATE (null when not known to have died);
- residence: person_id, partnership VARCHAR, locality VARCHAR, valid_from DATE, valid_to
  DATE (exclusive; null: still there) — where a person lived when;
- spells: person_id, admitted DATE, discharged DATE, emergency BOOLEAN, acsc BOOLEAN, fall
  BOOLEAN, destination VARCHAR ('usual', 'died', 'other', or '' when not recorded);
- ae: person_id, arrived DATE;
- care: person_id, setting VARCHAR ('residential', 'nursing', 'reablement', 'community'),
  start DATE, "end" DATE (the last day, inclusive);
- reablement: person_id, discharged DATE, at_home BOOLEAN — the BCF reablement cohort
  (people 65+ discharged into reablement, each once per quarter) and where they were on day 91.

An event counts for the locality the person lived in on its day, at their age that day; a
quarter's population is everyone alive and living there on its first day.
"""

import csv
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from onestory.commissioning.domain import bcf
from onestory.evaluation.indicators import domain as d

TABLES = ("people", "residence", "spells", "ae", "care", "reablement")
UNIT_COSTS_CSV = Path(__file__).with_name("unit_costs.csv")


def unit_costs() -> dict[str, float]:
    """This module's own small unit-cost table (sources named in the CSV)."""
    with UNIT_COSTS_CSV.open(encoding="utf-8") as handle:
        return {r["item"]: float(r["pounds"]) for r in csv.DictReader(handle)}


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def load(con: duckdb.DuckDBPyConnection, **tables: pl.DataFrame) -> None:
    """Copy the six input frames into DuckDB tables."""
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise ValueError(f"missing input tables: {', '.join(missing)}")
    for name in TABLES:
        con.register(f"{name}_in", tables[name])
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_in")
        con.unregister(f"{name}_in")


def _age(birth: str, at: str) -> str:
    # year(at) - year(birth), less one before the birthday: the same in DuckDB and Spark SQL
    return (
        f"(year({at}) - year({birth}) - CASE WHEN month({birth}) * 100 + day({birth}) > "
        f"month({at}) * 100 + day({at}) THEN 1 ELSE 0 END)"
    )


def _quarters(con, periods: Sequence[d.Quarter]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE quarters (quarter VARCHAR, qstart DATE, qnext DATE)")
    con.executemany(
        "INSERT INTO quarters VALUES (?, ?, ?)",
        [(q.label, q.start, q.next().start) for q in periods],
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _place(partnership: str | None, localities: Sequence[str] | None) -> str:
    """The residence table limited to the area asked for (a view: it cannot take prepared
    parameters, so the codes are quoted as SQL literals)."""
    cond = ["locality <> ''"]
    if partnership:
        cond.append(f"partnership = {_literal(partnership)}")
    if localities:
        cond.append(f"locality IN ({', '.join(_literal(c) for c in localities)})")
    return f"CREATE OR REPLACE TEMP VIEW res AS SELECT * FROM residence WHERE {' AND '.join(cond)}"


EVENTS = """
    SELECT 'emergency_admissions' AS indicator, person_id, admitted AS day, 1.0 AS amount
        FROM spells WHERE emergency
    UNION ALL SELECT 'avoidable_admissions', person_id, admitted, 1.0 FROM spells
        WHERE emergency AND acsc
    UNION ALL SELECT 'falls_65plus', person_id, admitted, 1.0 FROM spells
        WHERE emergency AND fall
    UNION ALL SELECT 'ae_attendances', person_id, arrived, 1.0 FROM ae
    UNION ALL SELECT 'care_home_admissions', person_id, start, 1.0 FROM placements
    UNION ALL SELECT 'bed_days', s.person_id, greatest(s.admitted, q.qstart),
        date_diff('day', greatest(s.admitted, q.qstart),
                  least(coalesce(s.discharged, q.qnext), q.qnext))
        FROM spells s JOIN quarters q
          ON s.admitted < q.qnext AND coalesce(s.discharged, q.qnext) > q.qstart
    UNION ALL SELECT 'cost_per_head', person_id, admitted, $spell FROM spells WHERE emergency
    UNION ALL SELECT 'cost_per_head', s.person_id, greatest(s.admitted, q.qstart),
        $bed_day * date_diff('day', greatest(s.admitted, q.qstart),
                             least(coalesce(s.discharged, q.qnext), q.qnext))
        FROM spells s JOIN quarters q
          ON s.admitted < q.qnext AND coalesce(s.discharged, q.qnext) > q.qstart
    UNION ALL SELECT 'cost_per_head', person_id, arrived, $ae FROM ae
    UNION ALL SELECT 'cost_per_head', c.person_id, greatest(c.start, q.qstart),
        $care_week / 7.0 * date_diff('day', greatest(c.start, q.qstart),
                                      least(coalesce(c."end" + 1, q.qnext), q.qnext))
        FROM care c JOIN quarters q
          ON c.setting IN ('residential', 'nursing') AND c.start < q.qnext
         AND coalesce(c."end" + 1, q.qnext) > q.qstart
"""

# New permanent placements as `bcf.new_placements` defines them: a care-home episode that
# starts more than TRANSFER_GAP_DAYS after every earlier one ended (an open one covers all).
PLACEMENTS = f"""
    CREATE OR REPLACE TEMP VIEW placements AS
    WITH homes AS (
        SELECT person_id, start,
               max(coalesce("end", DATE '9999-12-31')) OVER (
                   PARTITION BY person_id ORDER BY start, coalesce("end", DATE '9999-12-31')
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
        FROM care WHERE setting IN ('residential', 'nursing')
    )
    SELECT person_id, start FROM homes
    WHERE covered_to IS NULL OR start > covered_to + INTERVAL {bcf.TRANSFER_GAP_DAYS} DAY
    -- a person placed twice in a quarter counts once
    QUALIFY row_number() OVER (PARTITION BY person_id, date_trunc('quarter', start)
                               ORDER BY start) = 1
"""


def panel(
    con: duckdb.DuckDBPyConnection,
    periods: Sequence[d.Quarter],
    indicators: Sequence[str] | None = None,
    *,
    partnership: str | None = None,
    localities: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The long panel: one row per partnership, locality, quarter and indicator (every
    combination, zeros included, so the panel is balanced), columns `domain.PANEL_COLUMNS`."""
    names = d.check_names(list(indicators or d.INDICATORS))
    _quarters(con, periods)
    con.execute(_place(partnership, localities))
    con.execute(PLACEMENTS)
    band_q = d.band_sql(_age("p.birth_date", "q.qstart"))
    population = con.sql(
        f"""SELECT r.partnership, r.locality, q.quarter, {band_q} AS band, count(*) AS n
            FROM people p
            JOIN quarters q ON p.birth_date <= q.qstart
                           AND (p.died IS NULL OR p.died >= q.qstart)
            JOIN res r ON r.person_id = p.person_id AND r.valid_from <= q.qstart
                      AND (r.valid_to IS NULL OR r.valid_to > q.qstart)
            GROUP BY ALL"""
    ).fetchall()
    costs = unit_costs()
    wanted = [n for n in names if d.INDICATORS[n].kind != d.PERCENT]
    band_e = d.band_sql(_age("p.birth_date", "e.day"))
    events = con.sql(
        f"""WITH e AS ({EVENTS})
            SELECT r.partnership, r.locality, q.quarter, e.indicator, {band_e} AS band,
                   sum(e.amount) AS amount
            FROM e
            JOIN people p ON p.person_id = e.person_id
            JOIN quarters q ON e.day >= q.qstart AND e.day < q.qnext
            JOIN res r ON r.person_id = e.person_id AND r.valid_from <= e.day
                      AND (r.valid_to IS NULL OR r.valid_to > e.day)
            WHERE list_contains($wanted, e.indicator)
              AND (e.indicator NOT IN ('falls_65plus', 'care_home_admissions')
                   OR {_age("p.birth_date", "e.day")} >= {d.OLDER})
            GROUP BY ALL""",
        params={
            "wanted": wanted,
            "spell": costs["emergency_spell"],
            "bed_day": costs["bed_day"],
            "ae": costs["ae_attendance"],
            "care_week": costs["care_home_week"],
        },
    ).fetchall()
    shares = con.sql(
        """WITH s AS (
               SELECT 'discharge_usual_residence' AS indicator, person_id, discharged AS day,
                      destination = 'usual' AS yes FROM spells
               WHERE discharged IS NOT NULL AND destination NOT IN ('', 'died')
               UNION ALL SELECT 'reablement_91d', person_id, discharged, at_home FROM reablement
           )
           SELECT r.partnership, r.locality, q.quarter, s.indicator,
                  count(*) FILTER (WHERE s.yes) AS yes, count(*) AS n
           FROM s
           JOIN quarters q ON s.day >= q.qstart AND s.day < q.qnext
           JOIN res r ON r.person_id = s.person_id AND r.valid_from <= s.day
                     AND (r.valid_to IS NULL OR r.valid_to > s.day)
           GROUP BY ALL"""
    ).fetchall()
    places = con.sql(
        "SELECT DISTINCT partnership, locality FROM res ORDER BY partnership, locality"
    ).fetchall()
    return assemble(places, [q.label for q in periods], names, population, events, shares)


def assemble(
    places: Sequence[tuple[str, str]],
    quarter_labels: Sequence[str],
    names: Sequence[str],
    population: Sequence[tuple],
    events: Sequence[tuple],
    shares: Sequence[tuple],
) -> pl.DataFrame:
    """Counts by band into the panel's rows (`domain.row`), zeros where nothing happened."""
    pop: dict[tuple, list[int]] = defaultdict(lambda: [0] * d.BANDS)
    for part, loc, quarter, band, n in population:
        pop[(part, loc, quarter)][band] += n
    obs: dict[tuple, list[float]] = defaultdict(lambda: [0.0] * d.BANDS)
    for part, loc, quarter, name, band, amount in events:
        obs[(part, loc, quarter, name)][band] += amount
    share = {(p, loc, q, name): (yes, n) for p, loc, q, name, yes, n in shares}
    rows = []
    for part, loc in places:
        for quarter in quarter_labels:
            people = pop[(part, loc, quarter)]
            for name in names:
                ind = d.INDICATORS[name]
                if ind.kind == d.PERCENT:
                    yes, n = share.get((part, loc, quarter, name), (0, 0))
                    values = d.row(ind, [yes], [n])
                elif ind.kind == d.COST:
                    values = d.row(ind, [sum(obs[(part, loc, quarter, name)])], people)
                else:
                    counted = [round(x) for x in obs[(part, loc, quarter, name)]]
                    values = d.row(ind, counted, people)
                rows.append(
                    {
                        "partnership": part,
                        "locality": loc,
                        "quarter": quarter,
                        "indicator": name,
                        **values,
                    }
                )
    schema = {
        "partnership": pl.String,
        "locality": pl.String,
        "quarter": pl.String,
        "indicator": pl.String,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
        "rate_per_100k": pl.Float64,
        "std_rate_per_100k": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").select(d.PANEL_COLUMNS)
