"""Locality-quarter panels for evaluations, from the indicators module
(`onestory.evaluation.indicators.queries.locality_quarter_panel`, ADR 0021): the linked
record (people who opted out of secondary use left out), a person placed in their GP
practice's locality (ADR 0017), crude and age-standardised rates per 100,000 with 95%
intervals. An evaluation runs over the quarters from the first to the last with any
emergency admission in the record, so every locality has a row for every quarter (zero
where nothing happened): a balanced panel. Counts are raw: suppress before showing them
(`commissioning.domain.suppression`)."""

import polars as pl

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.domain.actor import Actor
from onestory.evaluation.indicators import domain as indicator_domain
from onestory.initiatives.domain import quarters

# Every indicator the indicators module computes, by name, with its label.
INDICATORS = {name: i.label for name, i in indicator_domain.INDICATORS.items()}
SCHEMA = {
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


class UnknownIndicator(ValueError):
    pass


def locality_quarter_panel(
    *,
    by: Actor,
    indicators: list[str] | tuple[str, ...],
    partnership: str | None = None,
    localities: list[str] | tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """One row per locality, quarter and indicator (columns in SCHEMA), computed by the
    indicators module over the quarters from the first to the last with any emergency
    admission. Needs VIEW_AGGREGATES; the indicators module audits the read."""
    require(by, Permission.VIEW_AGGREGATES)
    unknown = [i for i in indicators if i not in INDICATORS]
    if unknown:
        raise UnknownIndicator(
            f"Indicator(s) {', '.join(unknown)} cannot be computed yet "
            f"(available: {', '.join(INDICATORS)})."
        )
    from onestory.casework.extract import extract
    from onestory.evaluation.indicators import queries as indicator_queries

    hospital = extract().hospital.filter(pl.col("emergency") & (pl.col("kind") == "admission"))
    if hospital.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    first = quarters.of(hospital["start"].min())  # type: ignore[arg-type]
    last = quarters.of(hospital["start"].max())  # type: ignore[arg-type]
    frame = indicator_queries.locality_quarter_panel(
        by=by,
        indicators=list(indicators),
        partnership=partnership,
        localities=list(localities) if localities is not None else None,
        first=first,
        last=last,
    )
    return frame.select(list(SCHEMA)).cast(SCHEMA)  # type: ignore[arg-type]


def locality_profiles(*, by: Actor) -> dict[str, tuple[int, float | None]]:
    """Each locality's people (as placed for the panel) and the share aged 65 or over
    today: what the evaluation page shows beside each comparator to help choose similar
    ones. Raw counts: suppress before showing."""
    from datetime import date

    from onestory.casework.extract import extract
    from onestory.commissioning.queries import with_places
    from onestory.people.models import LinkageRun

    require(by, Permission.VIEW_AGGREGATES)
    if not LinkageRun.objects.filter(is_current=True).exists():
        return {}
    today = date.today()
    born_by = date(today.year - 65, today.month, min(today.day, 28))
    people = with_places(extract().people)
    out: dict[str, tuple[int, float | None]] = {}
    for loc, n, older in (
        people.filter(pl.col("locality") != "")
        .group_by("locality")
        .agg(pl.len().alias("n"), (pl.col("birth_date") <= born_by).sum().alias("older"))
        .iter_rows()
    ):
        out[loc] = (int(n), 100.0 * older / n if n else None)
    return out
