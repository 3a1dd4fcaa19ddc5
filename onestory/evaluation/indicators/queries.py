"""Indicators from the linked record, for analysts, commissioners and the estimators.

People who opted out of secondary use are left out (`casework.extract` does it); a person's
partnership and locality are their GP practice's (`commissioning.queries.with_places`,
ADR 0017) for every quarter — the extracts carry no registration history yet, so someone who
moved practice counts where they are registered now. Every read needs VIEW_AGGREGATES and
is audited with the area, the quarters, the indicators and counts only.

`locality_quarter_panel` is the entry point for estimators and for the initiatives app: it
returns the unsuppressed panel, which must never be shown as it is; `published` is what may
be shown (small numbers suppressed).
"""

from datetime import date

import polars as pl

from onestory.access.domain.roles import Permission
from onestory.access.policy import aggregate_partnership, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.casework.extract import extract
from onestory.commissioning.domain import bcf, codes
from onestory.commissioning.engine import CARE_SETTINGS
from onestory.commissioning.queries import UnknownArea, resolve_area, with_places
from onestory.evaluation.indicators import domain as d
from onestory.evaluation.indicators import engine

__all__ = ["UnknownArea", "locality_quarter_panel", "published", "linked_tables"]

EPOCH = date(1900, 1, 1)


def _destination(text: str | None) -> str:
    t = (text or "").strip().lower()
    if not t:
        return ""
    if t in bcf.USUAL_RESIDENCE:
        return "usual"
    if t in bcf.DIED:
        return "died"
    return "other"


def linked_tables(data, periods: list[d.Quarter]) -> dict[str, pl.DataFrame]:
    """The engine's six input tables from the case-finding extract (`casework.extract`)."""
    people = with_places(data.people)
    hospital = data.hospital
    died = (
        hospital.filter(
            (pl.col("kind") == "admission")
            & (pl.col("destination").str.to_lowercase().is_in(list(bcf.DIED)))
            & pl.col("end").is_not_null()
        )
        .group_by("person_id")
        .agg(pl.col("end").min().alias("died"))
    )
    acsc, fall = codes.load("acsc_chronic"), codes.load("falls_cause")
    admissions = hospital.filter(pl.col("kind") == "admission")
    diagnoses = admissions["diagnosis_code"].fill_null("").to_list()
    spells = admissions.select(
        "person_id",
        pl.col("start").alias("admitted"),
        pl.col("end").alias("discharged"),
        pl.col("emergency").fill_null(False),
        pl.Series("acsc", [acsc.matches(c) for c in diagnoses], dtype=pl.Boolean),
        pl.Series("fall", [fall.matches(c) for c in diagnoses], dtype=pl.Boolean),
        pl.col("destination")
        .map_elements(_destination, return_dtype=pl.String)
        .fill_null("")
        .alias("destination"),
    )
    care = data.evidence.filter(
        (pl.col("source") == "social_care_service") & pl.col("code").is_in(list(CARE_SETTINGS))
    ).select(
        "person_id",
        pl.col("code").replace_strict(CARE_SETTINGS, return_dtype=pl.String).alias("setting"),
        "start",
        "end",
    )
    births = dict(zip(people["person_id"].to_list(), people["birth_date"].to_list(), strict=True))

    def age(pid: int, day: date) -> int:
        born = births.get(pid)
        if born is None:
            return -1
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    bcf_spells = [
        bcf.Spell(pid, age(pid, s), "", s, e, bool(em), "", dest or "")
        for pid, s, e, em, dest in admissions.select(
            "person_id", "start", "end", "emergency", "destination"
        ).iter_rows()
        if pid in births
    ]
    episodes = [
        bcf.CareEpisode(pid, age(pid, s), setting, s, e)
        for pid, setting, s, e in care.iter_rows()
        if pid in births
    ]
    deaths = dict(died.iter_rows())
    cohort = [
        (o.person_id, o.discharged, o.at_home)
        for q in periods
        for o in bcf.reablement_cohort(bcf_spells, episodes, d.QuarterYear(q.year, q.q), deaths)
    ]
    return {
        "people": people.join(died, on="person_id", how="left").select(
            "person_id", "birth_date", "died"
        ),
        "residence": people.filter(pl.col("locality") != "").select(
            "person_id",
            "partnership",
            "locality",
            pl.lit(EPOCH).alias("valid_from"),
            pl.lit(None, dtype=pl.Date).alias("valid_to"),
        ),
        "spells": spells,
        "ae": hospital.filter(pl.col("kind") == "ae").select(
            "person_id", pl.col("start").alias("arrived")
        ),
        "care": care,
        "reablement": pl.DataFrame(
            cohort,
            schema={"person_id": pl.Int64, "discharged": pl.Date, "at_home": pl.Boolean},
            orient="row",
        ),
    }


def default_quarters(today: date | None = None) -> tuple[d.Quarter, d.Quarter]:
    """Two years of quarters up to the last complete one."""
    last = d.last_complete(today or date.today())
    return d.Quarter(last.year - 2, last.q).next(), last


def locality_quarter_panel(
    *,
    by: Actor,
    indicators: list[str],
    partnership: str | None = None,
    localities: list[str] | None = None,
    first: str | None = None,
    last: str | None = None,
) -> pl.DataFrame:
    """The indicators per partnership, locality and quarter from the linked record: columns
    partnership, locality, quarter ("2025Q3"), indicator, numerator, denominator,
    rate_per_100k, std_rate_per_100k, ci_low, ci_high (`domain.PANEL_COLUMNS`; for a
    percentage the rate columns hold the percentage, for cost_per_head pounds per head).

    Unsuppressed: for estimators, never to be shown raw (`published` is what may be shown).
    Every locality and quarter is present (zeros included). Quarters run from `first` to
    `last` (default: the two years to the last complete quarter). Raises UnknownArea for an
    unknown partnership or locality, domain.UnknownIndicator for an unknown indicator and
    ValueError for a quarter not like 2025Q3."""
    require(by, Permission.VIEW_AGGREGATES)
    partnership = aggregate_partnership(by, partnership)  # a commissioner's own (ADR 0026)
    names = d.check_names(indicators)
    if partnership:
        resolve_area(partnership, None)
    for code in localities or ():
        resolve_area(partnership, code)
    start, end = default_quarters()
    q_first = d.Quarter.parse(first) if first else start
    q_last = d.Quarter.parse(last) if last else end
    if q_first > q_last:
        raise ValueError(f"The first quarter {q_first.label} is after the last {q_last.label}.")
    periods = d.quarters(q_first, q_last)
    data = extract()
    con = engine.connect()
    engine.load(con, **linked_tables(data, periods))
    frame = engine.panel(con, periods, names, partnership=partnership, localities=localities)
    record_event(
        by=by,
        action="evaluation.indicators",
        detail={
            "indicators": names,
            "partnership": partnership or "",
            "localities": sorted(localities or []),
            "quarters": f"{q_first.label}-{q_last.label}",
            "rows": frame.height,
            "people": data.people.height,
            "opted_out_excluded": data.opted_out,
        },
    )
    return frame


def published(frame: pl.DataFrame) -> list[dict]:
    """The panel's rows as they may be shown or exported: small numbers suppressed
    (`domain.published`), figures rounded, each row with `suppressed`."""
    return [d.published(row) for row in frame.iter_rows(named=True)]
