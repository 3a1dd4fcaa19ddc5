"""Population needs on DuckDB: each person's activity in a quarter beside their segment, and
the figures per locality and segment, trend and projection. No Django here (see `engine`);
the tables are the ones `engine.load` made, with the `locality` column that
`commissioning.queries.with_places` adds to people.

Whom a quarter counts: people alive and born on the eve of the quarter (its first day minus
one), in the area, in the segment they were in that day (`engine.segment_people`). Their
activity is what began in the quarter (emergency admissions, their bed days, A&E
attendances) and the days of the quarter spent in a care home, with a home-care package or
in reablement (from the service's first day to its last, both counted, as the social care
client-level data records them)."""

from collections import Counter
from datetime import date, timedelta

import duckdb
import polars as pl

from onestory.commissioning import engine
from onestory.commissioning.domain import needs
from onestory.commissioning.domain import segments as sg

CARE_HOME = ("Long Term Support: Residential", "Long Term Support: Nursing")
HOME_CARE = ("Long Term Support: Community",)
REABLEMENT = ("Short Term Support: Reablement",)
ACTIVITY = needs.MEASURES[1:]
NO_LOCALITY = ""


def _list(codes: tuple[str, ...]) -> str:
    return ", ".join(f"'{c}'" for c in codes)


def _has_locality(con: duckdb.DuckDBPyConnection) -> bool:
    columns = {r[0] for r in con.sql("DESCRIBE people").fetchall()}
    return "locality" in columns


def activity(
    con: duckdb.DuckDBPyConnection, first: date, last: date, area: engine.Area = engine.EVERYONE
) -> pl.DataFrame:
    """Per person in the area alive and born on the eve of `first`, with any activity from
    `first` to `last`: the counts of `needs.MEASURES` (people aside)."""
    where, params = area.sql("p")
    eve = first - timedelta(days=1)

    def days(codes: tuple[str, ...]) -> str:
        return f"""sum(greatest(0, date_diff('day', greatest(start, $first),
                       least(coalesce("end", $last), $last)) + 1)) FILTER (WHERE code IN
                       ({_list(codes)}))"""

    return con.sql(
        f"""
        WITH hosp AS (
            SELECT person_id,
                   count(*) FILTER (WHERE kind = 'admission' AND emergency)
                     AS emergency_admissions,
                   count(*) FILTER (WHERE kind = 'ae') AS ae_attendances,
                   sum(greatest(0, date_diff('day', start, coalesce("end", $last))))
                     FILTER (WHERE kind = 'admission' AND emergency) AS bed_days
            FROM hospital WHERE start BETWEEN $first AND $last GROUP BY person_id
        ),
        care AS (
            SELECT person_id,
                   {days(CARE_HOME)} AS care_home_days,
                   {days(HOME_CARE)} AS home_care_days,
                   {days(REABLEMENT)} AS reablement_days
            FROM evidence
            WHERE source = 'social_care_service' AND start <= $last
              AND ("end" IS NULL OR "end" >= $first)
            GROUP BY person_id
        )
        SELECT p.person_id,
               coalesce(h.emergency_admissions, 0)::BIGINT AS emergency_admissions,
               coalesce(h.ae_attendances, 0)::BIGINT AS ae_attendances,
               coalesce(h.bed_days, 0)::BIGINT AS bed_days,
               coalesce(c.care_home_days, 0)::BIGINT AS care_home_days,
               coalesce(c.home_care_days, 0)::BIGINT AS home_care_days,
               coalesce(c.reablement_days, 0)::BIGINT AS reablement_days
        FROM people p
        LEFT JOIN hosp h USING (person_id)
        LEFT JOIN care c USING (person_id)
        LEFT JOIN deaths d USING (person_id)
        WHERE p.birth_date <= $eve AND (d.died IS NULL OR d.died > $eve)
          AND (h.person_id IS NOT NULL OR c.person_id IS NOT NULL)
          AND {where}
        ORDER BY p.person_id
        """,
        params={"first": first, "last": last, "eve": eve, **params},
    ).pl()


def quarter_people(
    con: duckdb.DuckDBPyConnection, quarter: needs.Quarter, area: engine.Area = engine.EVERYONE
) -> pl.DataFrame:
    """Everyone counted in the quarter: person_id, locality, age, segment (on its eve), and
    their activity in it (zeros for none)."""
    eve = quarter.start - timedelta(days=1)
    people = engine.segment_people(con, eve, area)
    if _has_locality(con):
        places = con.sql("SELECT person_id, coalesce(locality, '') AS locality FROM people").pl()
    else:
        places = people.select("person_id", pl.lit(NO_LOCALITY).alias("locality"))
    done = activity(con, quarter.start, quarter.end, area)
    return (
        people.select("person_id", "age", "segment")
        .join(places, on="person_id", how="left")
        .join(done, on="person_id", how="left")
        .with_columns(pl.col(list(ACTIVITY)).fill_null(0), pl.col("locality").fill_null(""))
    )


def people_by_locality(frame: pl.DataFrame, localities: list[str]) -> list[list[int]]:
    """People per segment (rows, in priority order) and locality (columns, as given)."""
    counted = Counter(zip(frame["segment"].to_list(), frame["locality"].to_list(), strict=True))
    return [[counted.get((s, loc), 0) for loc in localities] for s in sg.ORDER]


def by_segment(frame: pl.DataFrame) -> list[dict[str, int]]:
    """Counts of every measure per segment, in priority order (every segment listed)."""
    sums = {
        row["segment"]: row
        for row in frame.group_by("segment")
        .agg(pl.len().alias("people"), *[pl.col(m).sum() for m in ACTIVITY])
        .iter_rows(named=True)
    }
    return [
        {m: int(sums.get(s, {}).get(m, 0) or 0) for m in needs.MEASURES} | {"key": s}
        for s in sg.ORDER
    ]


def by_locality(frame: pl.DataFrame, localities: list[str]) -> list[dict[str, int]]:
    """Counts of every measure per locality (as given, every one listed)."""
    sums = {
        row["locality"]: row
        for row in frame.group_by("locality")
        .agg(pl.len().alias("people"), *[pl.col(m).sum() for m in ACTIVITY])
        .iter_rows(named=True)
    }
    return [
        {m: int(sums.get(loc, {}).get(m, 0) or 0) for m in needs.MEASURES} | {"key": loc}
        for loc in localities
    ]


def totals(frame: pl.DataFrame) -> dict[str, int]:
    return {"people": frame.height} | {m: int(frame[m].sum() or 0) for m in ACTIVITY}


def trend(
    con: duckdb.DuckDBPyConnection, quarters: list[needs.Quarter], area: engine.Area
) -> list[dict[str, int]]:
    """Per quarter (as given): people alive on its eve in the area and their activity in it."""
    where, params = area.sql("p")
    out = []
    for q in quarters:
        eve = q.start - timedelta(days=1)
        ((people,),) = con.sql(
            f"""SELECT count(*) FROM people p LEFT JOIN deaths d USING (person_id)
                WHERE p.birth_date <= $eve AND (d.died IS NULL OR d.died > $eve) AND {where}""",
            params={"eve": eve, **params},
        ).fetchall()
        done = activity(con, q.start, q.end, area)
        out.append(
            {"people": int(people)}
            | {m: int(done[m].sum() or 0) for m in ACTIVITY}
            | {"key": q.label}
        )
    return out


def age_segment_counts(frame: pl.DataFrame) -> dict[tuple[int, str], int]:
    """People by (age, segment): the projection's starting point."""
    return {
        (int(age), str(seg)): int(n)
        for age, seg, n in frame.group_by("age", "segment").len().iter_rows()
    }
