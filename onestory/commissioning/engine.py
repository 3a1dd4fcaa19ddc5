"""Segments and Better Care Fund metrics for a population on DuckDB. No Django here: the
command feeds it the linked record (`casework.extract`, people who opted out of secondary use
already left out) and the benchmark feeds it generated tables.

Input tables are the case-finding engine's (see `onestory.casework.engine`): people,
evidence, medications, hospital — with `hospital.diagnosis_code`, the primary diagnosis as
the hospital coded it. The eFI is case finding's own SQL, so a person's frailty here is the
one the casework worklist shows.

SQL selects and shapes the rows (who was alive when, ages, which spells touch the year);
the rules themselves — which admission counts, what is a transfer, who is at home on day
91, which segment — are the pure functions in `commissioning.domain`, so the unit tests of
those rules are tests of what this computes.

An area is the whole installation or one value of a column of `people`: practice,
neighbourhood, or the partnership and locality that `commissioning.queries.with_places`
adds from the practice (the places an installation loaded with `onestory places load`).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from onestory.casework import engine as casework
from onestory.commissioning.domain import bcf, codes, stats
from onestory.commissioning.domain import segments as sg

SEGMENT_LISTS = (
    "end_of_life",
    "frailty_dementia",
    "organ_failure",
    "disability",
    "chronic_conditions",
    "maternity",
)
CARE_SETTINGS = {
    "Long Term Support: Residential": "residential",
    "Long Term Support: Nursing": "nursing",
    "Short Term Support: Reablement": "reablement",
    "Long Term Support: Community": "community",
}
AREA_COLUMNS = ("practice", "neighbourhood", "partnership", "locality")
# The engine's columns for `segments.Facts`, in its field order.
FACT_COLUMNS = (
    "age",
    "efi_deficits",
    "end_of_life",
    "dies_within_year",
    "frailty_dementia",
    "care_home",
    "organ_failure",
    "emergency_admissions_12m",
    "disability",
    "package",
    "chronic",
    "maternity",
    "contacts",
)


@dataclass(frozen=True)
class Area:
    """Whom a figure is about: everyone (`column` empty) or people whose `column` in the
    people table equals `value`."""

    label: str = "Whole installation"
    column: str = ""
    value: str = ""

    def __post_init__(self) -> None:
        if self.column and self.column not in AREA_COLUMNS:
            raise ValueError(f"Cannot group people by {self.column!r}.")

    def sql(self, alias: str = "p") -> tuple[str, dict[str, str]]:
        """A condition on the people table (as `alias`) and its parameters."""
        if not self.column:
            return "TRUE", {}
        return f"{alias}.{self.column} = $area", {"area": self.value}


EVERYONE = Area()


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    return casework.connect(threads)


def load(con: duckdb.DuckDBPyConnection, **tables: pl.DataFrame) -> None:
    """The case-finding tables and this module's code lists (SNOMED CT, as GP records
    carry conditions)."""
    casework.load(con, **tables)
    con.execute("CREATE OR REPLACE TABLE ccode (list VARCHAR, code VARCHAR)")
    rows = [(name, code) for name in SEGMENT_LISTS for code in codes.load(name).snomed_codes()]
    con.executemany("INSERT INTO ccode VALUES (?, ?)", rows)


def _age_sql(birth: str, at: str) -> str:
    # year(at) - year(birth), less one before the birthday: the same in DuckDB and Spark SQL
    return (
        f"(year({at}) - year({birth}) - CASE WHEN month({birth}) * 100 + day({birth}) > "
        f"month({at}) * 100 + day({at}) THEN 1 ELSE 0 END)"
    )


# --- segments ---------------------------------------------------------------------------------


def segment_people(
    con: duckdb.DuckDBPyConnection, as_of: date, area: Area = EVERYONE
) -> pl.DataFrame:
    """Everyone alive and born on `as_of` in the area, each with their one segment."""
    features, _ = casework._features_sql(as_of)
    where, params = area.sql("pp")  # the people table: it has the area columns
    year_ago = as_of - timedelta(days=365)
    frame = con.sql(
        f"""
        WITH f AS ({features}),
        listed AS (  -- not `coded`: case finding's CTE has that name, and Spark flattens
            SELECT DISTINCT e.person_id, c.list, c.code
            FROM evidence e JOIN ccode c ON e.source = 'snomed' AND e.code = c.code
            WHERE e.start <= $as_of AND (c.list <> 'maternity' OR e.start > $year_ago)
        ),
        flags AS (
            SELECT person_id,
                   bool_or(list = 'end_of_life') AS end_of_life,
                   bool_or(list = 'frailty_dementia') AS frailty_dementia,
                   bool_or(list = 'organ_failure') AS organ_failure,
                   bool_or(list = 'disability') AS disability,
                   count(*) FILTER (WHERE list = 'chronic_conditions') AS chronic,
                   bool_or(list = 'maternity') AS maternity
            FROM listed GROUP BY person_id
        ),
        care AS (
            SELECT person_id,
                   bool_or(code IN ('Long Term Support: Residential',
                                    'Long Term Support: Nursing')) AS care_home
            FROM evidence
            WHERE source = 'social_care_service' AND code LIKE 'Long Term Support:%'
              AND start <= $as_of AND ("end" IS NULL OR "end" >= $as_of)
            GROUP BY person_id
        )
        SELECT f.person_id, f.practice, f.neighbourhood, f.sex, f.age, f.efi_deficits,
               coalesce(x.end_of_life, false) AS end_of_life,
               coalesce(d.died <= $year_on, false) AS dies_within_year,
               coalesce(x.frailty_dementia, false) AS frailty_dementia,
               coalesce(k.care_home, false) AS care_home,
               coalesce(x.organ_failure, false) AS organ_failure,
               f.emergency_admissions_12m,
               coalesce(x.disability, false) AS disability,
               k.person_id IS NOT NULL AS package,
               coalesce(x.chronic, 0)::INT AS chronic,
               coalesce(x.maternity, false) AS maternity,
               (f.emergency_admissions_12m + f.ae_attendances_12m)::INT AS contacts
        FROM f
        JOIN people pp USING (person_id)
        LEFT JOIN flags x USING (person_id)
        LEFT JOIN care k USING (person_id)
        LEFT JOIN deaths d USING (person_id)
        WHERE {where}
        ORDER BY f.person_id
        """,
        params={
            "as_of": as_of,
            "year_ago": year_ago,
            "year_on": as_of + timedelta(days=sg.END_OF_LIFE_DAYS),
            **params,
        },
    ).pl()
    # People with the same facts get the same segment: segment each distinct set once.
    ages = {age: sg.representative_age(age) for age in frame["age"].unique().to_list()}
    facts = frame.select(
        pl.col("age").replace_strict(ages, return_dtype=pl.Int64), *FACT_COLUMNS[1:]
    ).with_row_index("row")
    distinct = facts.drop("row").unique()
    assigned = distinct.with_columns(
        pl.Series(
            "segment",
            [sg.segment(sg.Facts(*row)) for row in distinct.iter_rows()],
            dtype=pl.String,
        )
    )
    segmented = facts.join(assigned, on=list(FACT_COLUMNS), how="left").sort("row")
    return frame.select("person_id", "practice", "neighbourhood", "sex", "age").with_columns(
        segmented["segment"]
    )


def segment_counts(people: pl.DataFrame) -> dict[str, int]:
    """People per segment, every segment listed (in priority order) even when empty."""
    counted = Counter(people["segment"].to_list())
    return {name: counted.get(name, 0) for name in sg.ORDER}


# --- Better Care Fund ----------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    year: bcf.Year
    area: Area
    people: int  # alive in the area at the year's mid-point
    estimates: dict[str, stats.Estimate]


def _population(con, when: date, area: Area) -> pl.DataFrame:
    where, params = area.sql()
    return con.sql(
        f"""SELECT {_age_sql("p.birth_date", "$when")} AS age, coalesce(p.sex, '') AS sex,
                   count(*) AS n
            FROM people p LEFT JOIN deaths d USING (person_id)
            WHERE p.birth_date <= $when AND (d.died IS NULL OR d.died > $when)
              AND {where}
            GROUP BY ALL""",
        params={"when": when, **params},
    ).pl()


def _spells(con, year: bcf.Year, area: Area) -> list[bcf.Spell]:
    where, params = area.sql()
    rows = con.sql(
        f"""SELECT h.person_id, {_age_sql("p.birth_date", "h.start")} AS age,
                   coalesce(p.sex, '') AS sex, h.start, h."end", coalesce(h.emergency, false),
                   coalesce(h.diagnosis_code, ''), coalesce(h.destination, '')
            FROM hospital h JOIN people p USING (person_id)
            WHERE h.kind = 'admission' AND h.start <= $last
              AND (h."end" IS NULL OR h."end" >= $first)
              AND {where}""",
        params={
            "first": year.start - timedelta(days=1),
            "last": year.end + timedelta(days=bcf.REABLEMENT_START_DAYS),
            **params,
        },
    ).fetchall()
    return [bcf.Spell(*row) for row in rows]


def _episodes(con, area: Area) -> list[bcf.CareEpisode]:
    where, params = area.sql()
    settings = ", ".join(f"'{k}'" for k in CARE_SETTINGS)
    rows = con.sql(
        f"""SELECT e.person_id, {_age_sql("p.birth_date", "e.start")} AS age, e.code,
                   e.start, e."end"
            FROM evidence e JOIN people p USING (person_id)
            WHERE e.source = 'social_care_service' AND e.code IN ({settings})
              AND {where}""",
        params=params or None,
    ).fetchall()
    return [bcf.CareEpisode(pid, age, CARE_SETTINGS[code], s, e) for pid, age, code, s, e in rows]


def _deaths(con) -> dict[int, date]:
    return dict(con.sql("SELECT person_id, died FROM deaths").fetchall())


def _strata(population: pl.DataFrame) -> dict[tuple[int, str], int]:
    strata: Counter[tuple[int, str]] = Counter()
    for age, sex, n in population.iter_rows():
        strata[bcf.stratum(age, sex)] += n
    return dict(strata)


def bcf_metrics(con: duckdb.DuckDBPyConnection, year: bcf.Year, area: Area = EVERYONE) -> Metrics:
    """The five metrics for people in `area`. Avoidable admissions are standardised against
    the whole installation's own rates (see `bcf.reference_from`)."""
    acsc, injury, fall = codes.load("acsc_chronic"), codes.load("injury"), codes.load("falls_cause")
    population = _population(con, year.midpoint, area)
    spells = _spells(con, year, area)
    strata = _strata(population)
    if area.column:
        everyone = _spells(con, year, EVERYONE)
        reference = bcf.reference_from(
            bcf.avoidable_spells(everyone, year, acsc),
            _strata(_population(con, year.midpoint, EVERYONE)),
        )
    else:
        reference = bcf.reference_from(bcf.avoidable_spells(spells, year, acsc), strata)
    older = [0] * len(stats.ESP2013_65PLUS)
    for age, _sex, n in population.iter_rows():
        band = stats.esp_band(age, stats.ESP2013_65PLUS)
        if band is not None:
            older[band] += n
    episodes = _episodes(con, area)
    estimates = {
        bcf.AVOIDABLE: bcf.avoidable_admissions(spells, strata, year, acsc, reference),
        bcf.DISCHARGE: bcf.discharge_usual_residence(spells, year),
        bcf.FALLS: bcf.falls_65plus(spells, older, year, injury, fall),
        bcf.PERMANENT: bcf.permanent_admissions_65plus(episodes, sum(older), year),
        bcf.REABLEMENT: bcf.reablement_91day(spells, episodes, year, _deaths(con)),
    }
    return Metrics(year, area, int(population["n"].sum() or 0), estimates)
