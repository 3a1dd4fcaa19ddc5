"""Reads for commissioners and analysts: aggregates of the linked record, never a person.

People who opted out of secondary use are left out (`casework.extract` does it), small
numbers are suppressed before anything leaves (`domain.publish`), and each read is audited
with the year, the area and counts only. Needs VIEW_AGGREGATES (commissioners, analysts;
the system for commands)."""

from datetime import date, timedelta

import polars as pl

from onestory.access.domain.roles import Permission
from onestory.access.policy import aggregate_partnership, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.casework.extract import extract
from onestory.commissioning import engine
from onestory.commissioning.domain import bcf, needs, publish, segments, suppression
from onestory.people.models import LinkageRun


class UnknownArea(ValueError):
    """A partnership or locality this installation does not know."""


def resolve_area(partnership: str | None = None, locality: str | None = None) -> engine.Area:
    """The area a figure is for: the whole installation, a partnership or one of its
    localities (as `onestory places load` stored them; a person's place is their GP
    practice's). An unknown code, or a locality outside the partnership named, is an
    UnknownArea that says which codes there are."""
    from onestory.places import queries as places

    if locality:
        found = places.find_locality(locality)
        if found is None or (partnership and found.partnership.code != partnership):
            known = ", ".join(loc.code for loc in places.localities(partnership)) or "none"
            where = f" in partnership {partnership!r}" if partnership else ""
            raise UnknownArea(f"Unknown locality {locality!r}{where} (localities: {known}).")
        return engine.Area(f"{found.name} ({found.code})", "locality", found.code)
    if partnership:
        found_p = places.find_partnership(partnership)
        if found_p is None:
            known = ", ".join(p.code for p in places.partnerships())
            hint = f"partnerships: {known}" if known else "none loaded: see `onestory places load`"
            raise UnknownArea(f"Unknown partnership {partnership!r} ({hint}).")
        return engine.Area(f"{found_p.name} ({found_p.code})", "partnership", found_p.code)
    return engine.EVERYONE


def with_places(people: pl.DataFrame) -> pl.DataFrame:
    """The people table with each person's partnership and locality (their practice's;
    empty when the practice is not in a loaded locality)."""
    from onestory.places.queries import practice_places

    places = practice_places()
    locality = {ods: p.locality for ods, p in places.items()}
    partnership = {ods: p.partnership for ods, p in places.items()}
    return people.with_columns(
        pl.col("practice")
        .replace_strict(partnership, default="", return_dtype=pl.String)
        .alias("partnership"),
        pl.col("practice")
        .replace_strict(locality, default="", return_dtype=pl.String)
        .alias("locality"),
    )


def _loaded():
    data = extract()
    con = engine.connect()
    engine.load(con, **{**data.tables(), "people": with_places(data.people)})
    return data, con


def bcf_metrics(
    *, by: Actor, year: str, partnership: str | None = None, locality: str | None = None
) -> dict:
    """The five Better Care Fund metrics for the year and area, as published (suppressed)."""
    require(by, Permission.VIEW_AGGREGATES)
    y = bcf.Year.parse(year)
    area = resolve_area(aggregate_partnership(by, partnership), locality)
    data, con = _loaded()
    result = engine.bcf_metrics(con, y, area)
    record_event(
        by=by,
        action="commissioning.bcf_metrics",
        detail={
            "year": y.label,
            "area": area.label,
            "people": result.people,
            "opted_out_excluded": data.opted_out,
        },
    )
    return {
        "year": y.label,
        "area": area.label,
        "metrics": {name: publish.metric(e) for name, e in result.estimates.items()},
    }


def population_segments(
    *, by: Actor, as_of: date, partnership: str | None = None, locality: str | None = None
) -> dict:
    """People per Bridges to Health segment on `as_of`, in priority order, suppressed."""
    require(by, Permission.VIEW_AGGREGATES)
    area = resolve_area(aggregate_partnership(by, partnership), locality)
    data, con = _loaded()
    people = engine.segment_people(con, as_of, area)
    counts = engine.segment_counts(people)
    record_event(
        by=by,
        action="commissioning.segments",
        detail={
            "as_of": as_of.isoformat(),
            "area": area.label,
            "people": people.height,
            "opted_out_excluded": data.opted_out,
        },
    )
    return {
        "as_of": as_of.isoformat(),
        "area": area.label,
        "people": suppression.suppress_total(people.height),
        "segments": publish.segments(counts),
    }


def latest_complete_year(today: date) -> bcf.Year:
    """The last financial year that has ended by `today`."""
    return bcf.Year(today.year - 2 if today.month < 4 else today.year - 1)


FIRST_YEAR = 2023  # the Better Care Fund's 2023-25 metrics


def year_choices(today: date) -> list[bcf.Year]:
    """Financial years a page offers, latest first: from 2023-24 to the last complete one."""
    latest = latest_complete_year(today)
    return [bcf.Year(first) for first in range(latest.first, FIRST_YEAR - 1, -1)]


def overview(*, by: Actor, year: bcf.Year) -> dict:
    """The commissioner page's figures: the five metrics for the year and people per segment
    at its end, for the whole installation (a commissioner's own partnership, ADR 0026);
    suppressed, and audited with counts only."""
    require(by, Permission.VIEW_AGGREGATES)
    own = aggregate_partnership(by, None)
    area = resolve_area(own, None) if own else engine.EVERYONE
    if not LinkageRun.objects.filter(is_current=True).exists():
        return {"year": year, "area": area.label, "linked": False}
    data, con = _loaded()
    metrics = engine.bcf_metrics(con, year, area)
    people = engine.segment_people(con, year.end, area)
    counts = engine.segment_counts(people)
    record_event(
        by=by,
        action="commissioning.overview_viewed",
        detail={
            "year": year.label,
            "area": area.label,
            "people": metrics.people,
            "segmented": people.height,
            "opted_out_excluded": data.opted_out,
        },
    )
    shown = publish.segments(counts)
    return {
        "year": year,
        "area": area.label,
        "linked": True,
        "metrics": [
            {"key": name, "label": bcf.LABELS[name], **publish.metric(e)}
            for name, e in metrics.estimates.items()
        ],
        "segments_on": year.end,
        "segments": [
            {
                "key": name,
                "label": segments.LABELS[name],
                "rule": segments.RULES[name],
                "people": shown[name],
            }
            for name in segments.ORDER
        ],
        "people": suppression.suppress_total(people.height),
    }


# --- population needs ------------------------------------------------------------------------

TREND_QUARTERS = 8
QUARTER_CHOICES = 12


def quarter_choices(today: date) -> list[needs.Quarter]:
    """Quarters a page offers, latest first: the last twelve that have ended by `today`."""
    return needs.Quarter.last_complete(today).back(QUARTER_CHOICES)[::-1]


def _columns(area: engine.Area, frame: pl.DataFrame) -> list[tuple[str, str]]:
    """The localities a needs table shows as columns: (code, name)."""
    from onestory.places import queries as places

    if area.column == "locality":
        found = places.find_locality(area.value)
        return [(area.value, found.name if found else area.value)]
    partnership = area.value if area.column == "partnership" else None
    columns = [(loc.code, loc.name) for loc in places.localities(partnership)]
    if partnership is None and (frame["locality"] == "").any():
        columns.append(("", "Not in a loaded locality"))
    return columns


def needs_figures(
    *,
    by: Actor,
    quarter: needs.Quarter,
    partnership: str | None = None,
    locality: str | None = None,
) -> dict:
    """Population needs for the area and quarter (see `domain.needs`): people by segment and
    locality, activity and cost per segment and per locality, the trend over the last eight quarters and the
    projection 5 and 10 years ahead, every table suppressed; audited with counts only."""
    from onestory.commissioning import engine_needs
    from onestory.commissioning.domain import projection

    require(by, Permission.VIEW_AGGREGATES)
    partnership = aggregate_partnership(by, partnership)
    area = resolve_area(partnership, locality)
    head = {
        "quarter": {
            "label": quarter.label,
            "start": quarter.start.isoformat(),
            "end": quarter.end.isoformat(),
        },
        "area": area.label,
        "partnership": partnership or None,
        "locality": locality or None,
        "threshold": suppression.THRESHOLD,
    }
    if not LinkageRun.objects.filter(is_current=True).exists():
        return head | {"linked": False}
    costs = needs.load_unit_costs()
    data, con = _loaded()
    frame = engine_needs.quarter_people(con, quarter, area)
    columns = _columns(area, frame)
    codes = [code for code, _name in columns]
    cells = engine_needs.people_by_locality(frame, codes)
    shown = needs.publish_table(cells)
    segment_totals = [sum(row) for row in cells]
    locality_totals = [sum(row[i] for row in cells) for i in range(len(codes))]
    shown_totals = suppression.suppress_counts(segment_totals)
    people_table = [
        {
            "key": s,
            "label": segments.LABELS[s],
            "localities": dict(zip(codes, row, strict=True)),
            "total": total,
        }
        for s, row, total in zip(segments.ORDER, shown, shown_totals, strict=True)
    ]
    activity = needs.publish_activity(engine_needs.by_segment(frame), costs)
    for row in activity:
        row["label"] = segments.LABELS.get(row["key"], "All segments")
    names = dict(columns)
    activity_by_locality = needs.publish_activity(engine_needs.by_locality(frame, codes), costs)
    for row in activity_by_locality:
        row["label"] = names.get(row["key"], "All localities")
    trend = needs.publish_activity(
        engine_needs.trend(con, quarter.back(TREND_QUARTERS), area), costs
    )[:-1]
    projected = projection.project(
        engine_needs.age_segment_counts(frame), segments.ORDER, (0, *projection.HORIZONS)
    )
    current = dict(zip(segments.ORDER, shown_totals, strict=True))
    projection_rows = [
        {
            "key": s,
            "label": segments.LABELS[s],
            "now": current[s],
            **{
                f"in_{h}_years": projection.published(projected[h][s], current[s])
                for h in projection.HORIZONS
            },
        }
        for s in segments.ORDER
    ]
    record_event(
        by=by,
        action="commissioning.needs_viewed",
        detail={
            "quarter": quarter.label,
            "area": area.label,
            "people": frame.height,
            "opted_out_excluded": data.opted_out,
        },
    )
    return head | {
        "linked": True,
        "people": suppression.suppress_total(frame.height),
        "localities": [{"code": c, "name": n} for c, n in columns],
        "people_by_segment": people_table,
        "people_by_locality": dict(
            zip(codes, suppression.suppress_counts(locality_totals), strict=True)
        ),
        "activity": activity,
        "activity_by_locality": activity_by_locality,
        "trend": trend,
        "projection": {
            "from": (quarter.start - timedelta(days=1)).isoformat(),
            "horizons": list(projection.HORIZONS),
            "segments": projection_rows,
            "total": {
                f"in_{h}_years": projection.published(
                    sum(projected[h].values()), suppression.suppress_total(frame.height)
                )
                for h in projection.HORIZONS
            },
        },
        "unit_costs": {
            "version": costs.version,
            "items": {
                k: {"pounds": u.pounds, "unit": u.unit, "source": u.source, "year": u.price_year}
                for k, u in costs.items.items()
            },
        },
    }
