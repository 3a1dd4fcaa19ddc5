"""Locality-quarter panels for evaluations: a stand-in, TO BE REPLACED by the indicators
module (`onestory.evaluation.indicators.queries.locality_quarter_panel`, same signature and
columns) when it is merged. Evaluations call only `locality_quarter_panel` below, so the
swap is one import.

What it computes today, from the linked record (`casework.extract`, which leaves out
everyone who opted out of secondary use), for the only indicator evaluations need now:

- `emergency_admissions`: emergency admissions (hospital events of kind admission with
  admission_method "emergency") in the quarter, per 100,000 people of the locality. A
  person's locality is their GP practice's (`commissioning.queries.with_places`, ADR 0017);
  the denominator is the same people — everyone in the extract placed in the locality, the
  same in every quarter (registration history by quarter is the indicators module's job).
  `std_rate_per_100k` is null: not age-standardised here. The interval is Byar's on the
  count, divided by the denominator.

Quarters run from the first to the last quarter with any emergency admission anywhere, so
every locality has a row for every quarter (zero where nothing happened): a balanced panel.
Counts are raw: suppress before showing them (`commissioning.domain.suppression`)."""

import polars as pl

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.domain.actor import Actor
from onestory.commissioning.domain.stats import byar
from onestory.initiatives.domain import quarters

INDICATORS = {"emergency_admissions": "emergency admissions per 100,000 people a quarter"}
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
    """One row per locality, quarter and indicator (columns in SCHEMA). Needs
    VIEW_AGGREGATES; the caller audits what it does with the panel."""
    require(by, Permission.VIEW_AGGREGATES)
    unknown = [i for i in indicators if i not in INDICATORS]
    if unknown:
        raise UnknownIndicator(
            f"Indicator(s) {', '.join(unknown)} cannot be computed yet "
            f"(available: {', '.join(INDICATORS)})."
        )
    from onestory.casework.extract import extract
    from onestory.commissioning.queries import with_places
    from onestory.places.models import Locality

    places = Locality.objects.select_related("partnership").order_by("code")
    if partnership:
        places = places.filter(partnership__code=partnership)
    if localities is not None:
        places = places.filter(code__in=list(localities))
    wanted = {loc.code: loc.partnership.code for loc in places}
    data = extract()
    people = with_places(data.people).select("person_id", "locality")
    admissions = (
        data.hospital.filter(pl.col("emergency") & (pl.col("kind") == "admission"))
        .select("person_id", "start")
        .join(people, on="person_id", how="inner")
    )
    if admissions.height == 0 or not wanted:
        return pl.DataFrame(schema=SCHEMA)
    span = quarters.span(
        quarters.of(admissions["start"].min()),  # type: ignore[arg-type]
        quarters.of(admissions["start"].max()),  # type: ignore[arg-type]
    )
    sizes = dict(people.group_by("locality").len().iter_rows())
    counts: dict[tuple[str, str], int] = {}
    for loc, start in admissions.select("locality", "start").iter_rows():
        if loc in wanted:
            key = (loc, quarters.of(start))
            counts[key] = counts.get(key, 0) + 1
    rows = []
    for indicator in indicators:
        for loc, pcode in sorted(wanted.items()):
            d = int(sizes.get(loc, 0))
            for q in span:
                n = counts.get((loc, q), 0)
                if d:
                    lo, hi = byar(n)
                    rate, ci = 1e5 * n / d, (1e5 * lo / d, 1e5 * hi / d)
                else:
                    rate, ci = None, (None, None)
                rows.append((pcode, loc, q, indicator, n, d, rate, None, *ci))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def locality_profiles(*, by: Actor) -> dict[str, tuple[int, float | None]]:
    """Each locality's people (as placed for the panel) and the share aged 65 or over
    today: what the evaluation page shows beside each comparator to help choose similar
    ones. Raw counts: suppress before showing. Also to move to the indicators module."""
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
