"""The matched before/after comparison of people taken onto an MDT caseload (moved here from
casework, which still runs it as `onestory casework followup`).

For each person taken on: emergency admissions, A&E attendances, care-home admissions and
deaths in the 3, 6 and 12 months before and after the day they were taken on, against a
matched person not taken on (same sex, nearest on risk score and age) followed from the
same day. A first look, not an evaluation: the matching uses today's scores, the groups are
small, and deaths are those the hospital extract records (in hospital)."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from onestory.casework import engine
from onestory.casework.domain.matching import Candidate, match
from onestory.casework.extract import extract
from onestory.casework.models import CaseloadEntry, PersonRisk
from onestory.casework.queries import current_run

WINDOWS = (3, 6, 12)  # months
OUTCOMES = (
    ("emergency_admissions", "Emergency admissions"),
    ("ae_attendances", "A&E attendances"),
    ("care_home_admissions", "Care-home admissions"),
    ("deaths", "Deaths"),
)


@dataclass(frozen=True)
class FollowUp:
    cases: int
    matched: int
    table: pl.DataFrame  # group, outcome, window, period, per_person


def _outcome_events(con: duckdb.DuckDBPyConnection) -> None:
    homes = ", ".join(f"'{s}'" for s in engine.CARE_HOME_SERVICES)
    con.execute(
        f"""CREATE OR REPLACE TABLE outcome_events AS
        SELECT person_id, start AS day, 'emergency_admissions' AS outcome FROM hospital
            WHERE kind = 'admission' AND emergency
        UNION ALL SELECT person_id, start, 'ae_attendances' FROM hospital WHERE kind = 'ae'
        UNION ALL SELECT person_id, start, 'care_home_admissions' FROM evidence
            WHERE source = 'social_care_service' AND code IN ({homes})
        UNION ALL SELECT person_id, "end", 'care_home_admissions' FROM hospital
            WHERE kind = 'admission' AND lower(coalesce(destination, '')) LIKE '%care home%'
        UNION ALL SELECT person_id, died, 'deaths' FROM deaths"""
    )


def compute(today: date | None = None) -> FollowUp:
    """Counts per person per window for cases and their matched controls."""
    today = today or date.today()
    run = current_run()
    entries = list(CaseloadEntry.objects.order_by("started_at"))
    index_day = {}
    for e in entries:
        index_day.setdefault(e.person_id, e.started_at.date())
    scores = {}
    if run is not None:
        scores = {
            s.person_id: s
            for s in PersonRisk.objects.filter(run=run).only("person_id", "sex", "risk", "age")
        }
    cases = [
        Candidate(pid, scores[pid].sex, scores[pid].risk, scores[pid].age)
        for pid in index_day
        if pid in scores
    ]
    pool = [
        Candidate(s.person_id, s.sex, s.risk, s.age)
        for pid, s in scores.items()
        if pid not in index_day
    ]
    pairs = match(cases, pool)
    rows = []
    for case_id, control_id in pairs.items():
        rows.append((case_id, "taken on", index_day[case_id]))
        if control_id is not None:
            rows.append((control_id, "matched, not taken on", index_day[case_id]))
    cohort = pl.DataFrame(
        rows,
        schema={"person_id": pl.Int64, "group": pl.String, "index_day": pl.Date},
        orient="row",
    )
    data = extract()
    con = engine.connect()
    engine.load(con, **data.tables())
    _outcome_events(con)
    con.register("cohort", cohort)
    parts = []
    for months in WINDOWS:
        days = round(months * 365.25 / 12)
        parts.append(
            f"""SELECT c."group", o.outcome, {months} AS months,
                   CASE WHEN o.day < c.index_day THEN 'before' ELSE 'after' END AS period,
                   count(*) AS events
            FROM cohort c JOIN outcome_events o ON o.person_id = c.person_id
            WHERE o.day >= c.index_day - INTERVAL {days} DAY
              AND o.day < c.index_day + INTERVAL {days} DAY
            GROUP BY ALL"""
        )
    counts = con.sql(" UNION ALL ".join(parts)).pl() if rows else pl.DataFrame()
    sizes = cohort.group_by("group").len() if rows else pl.DataFrame()
    grid = pl.DataFrame(
        [
            (g, o, m, p)
            for g in ("taken on", "matched, not taken on")
            for o, _ in OUTCOMES
            for m in WINDOWS
            for p in ("before", "after")
        ],
        schema={"group": pl.String, "outcome": pl.String, "months": pl.Int32, "period": pl.String},
        orient="row",
    )
    if rows:
        table = (
            grid.join(
                counts.with_columns(pl.col("months").cast(pl.Int32)),
                on=["group", "outcome", "months", "period"],
                how="left",
            )
            .join(sizes, on="group", how="left")
            .with_columns(pl.col("events").fill_null(0), pl.col("len").fill_null(0))
            .with_columns(
                (
                    pl.col("events") / pl.when(pl.col("len") > 0).then(pl.col("len")).otherwise(1)
                ).alias("per_person")
            )
        )
    else:
        table = grid.with_columns(
            pl.lit(0).alias("events"), pl.lit(0).alias("len"), pl.lit(0.0).alias("per_person")
        )
    return FollowUp(len(cases), sum(1 for v in pairs.values() if v is not None), table)


def plot_html(result: FollowUp) -> str:
    """The figure as a self-contained HTML page (plotly.js inlined: no CDN)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(OUTCOMES), subplot_titles=[t for _, t in OUTCOMES])
    colours = {"taken on": "#005eb8", "matched, not taken on": "#768692"}
    for col, (outcome, _) in enumerate(OUTCOMES, start=1):
        for group, colour in colours.items():
            for period, pattern in (("before", "/"), ("after", "")):
                part = result.table.filter(
                    (pl.col("outcome") == outcome)
                    & (pl.col("group") == group)
                    & (pl.col("period") == period)
                ).sort("months")
                fig.add_trace(
                    go.Bar(
                        x=[f"{m} months" for m in part["months"]],
                        y=part["per_person"].to_list(),
                        name=f"{group}, {period}",
                        marker={"color": colour, "pattern": {"shape": pattern}},
                        showlegend=col == 1,
                        legendgroup=f"{group}{period}",
                    ),
                    row=1,
                    col=col,
                )
    fig.update_layout(
        barmode="group",
        title=(
            f"MDT follow-up: events per person before and after being taken on "
            f"({result.cases} taken on, {result.matched} matched)"
        ),
        height=480,
    )
    return fig.to_html(full_html=True, include_plotlyjs=True)


def write_report(result: FollowUp, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(plot_html(result), encoding="utf-8")
    return path
