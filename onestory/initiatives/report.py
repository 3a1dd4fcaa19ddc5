"""The evaluation report of one run, as a page (with Plotly figures drawn by the browser
from JSON, offline) and as a PDF (fpdf2: tables and the gaps chart drawn with its own
primitives, since a static Plotly image needs kaleido). Both are built from the run as
kept, so the report reads the same however often it is opened."""

import csv
import io
from dataclasses import dataclass

from fpdf import FPDF

from onestory.commissioning.domain.suppression import LABEL, is_small
from onestory.initiatives.domain import quarters, reading, register
from onestory.initiatives.models import EvaluationRun
from onestory.initiatives.panels import INDICATORS


@dataclass(frozen=True)
class MethodReport:
    method: str
    name: str
    body: dict | None
    error: str
    reading: reading.Reading | None
    notes: list[str]


@dataclass(frozen=True)
class Report:
    run: EvaluationRun
    outcome: str
    indicator_label: str
    methods: list[MethodReport]
    quarters: list[str]
    series: dict[str, list[float | None]]  # locality -> rate per quarter (None: suppressed)
    counts: dict[str, list[int | None]]  # locality -> admissions per quarter (None: 1-7)
    pre_level: float | None
    start_label: str


def panel_rows(run: EvaluationRun) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run.panel_csv)))


def build(run: EvaluationRun) -> Report:
    rows = [r for r in panel_rows(run) if r["indicator"] == run.indicator]
    qs = sorted({r["quarter"] for r in rows})
    series: dict[str, list[float | None]] = {}
    counts: dict[str, list[int | None]] = {}
    index = {q: i for i, q in enumerate(qs)}
    pre_values: list[float] = []
    for loc in run.treated + run.comparators:
        series[loc] = [None] * len(qs)
        counts[loc] = [None] * len(qs)
    for r in rows:
        loc, q = r["locality"], r["quarter"]
        if loc not in series:
            continue
        n = int(r["numerator"])
        rate = float(r["rate_per_100k"]) if r["rate_per_100k"] else None
        shown = not is_small(n)
        series[loc][index[q]] = rate if shown else None
        counts[loc][index[q]] = n if shown else None
        if loc in run.treated and q < run.start_quarter and rate is not None:
            pre_values.append(rate)
    pre_level = sum(pre_values) / len(pre_values) if pre_values else None
    outcome = INDICATORS.get(run.indicator, run.indicator)
    methods = []
    for m in run.methods:
        body = run.results.get(m) or {}
        if "error" in body:
            methods.append(MethodReport(m, reading.METHOD_NAMES[m], None, body["error"], None, []))
            continue
        r = reading.read(
            body, outcome=outcome, pre_level=pre_level, comparators=len(run.comparators)
        )
        methods.append(MethodReport(m, reading.METHOD_NAMES[m], body, "", r, run.notes.get(m, [])))
    return Report(
        run=run,
        outcome=outcome,
        indicator_label=register.INDICATORS.get(run.indicator, run.indicator),
        methods=methods,
        quarters=qs,
        series=series,
        counts=counts,
        pre_level=pre_level,
        start_label=quarters.label(run.start_quarter),
    )


def figures(rep: Report) -> dict:
    """Two Plotly figures as JSON: the outcome by locality and the gaps by method."""
    run = rep.run
    outcome = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"{loc} ({'treated' if loc in run.treated else 'comparator'})",
                "x": rep.quarters,
                "y": rep.series[loc],
                "line": {"dash": "solid" if loc in run.treated else "dot"},
            }
            for loc in run.treated + run.comparators
        ],
        "layout": _layout(rep, "Rate per 100,000 (gaps: fewer than 8 admissions, not shown)"),
    }
    gaps = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": m.name,
                # sorted: PostgreSQL's jsonb does not keep a stored object's key order
                "x": sorted(m.body["gaps"]),
                "y": [m.body["gaps"][k] for k in sorted(m.body["gaps"])],
            }
            for m in rep.methods
            if m.body and m.body.get("gaps")
        ],
        "layout": _layout(rep, "Treated minus comparison (per 100,000)"),
    }
    return {"outcome": outcome, "gaps": gaps}


def _layout(rep: Report, y_title: str) -> dict:
    return {
        "xaxis": {"title": {"text": "Quarter"}, "type": "category"},
        "yaxis": {"title": {"text": y_title}},
        "shapes": [
            {
                "type": "line",
                "x0": rep.run.start_quarter,
                "x1": rep.run.start_quarter,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dash", "color": "#425563"},
            }
        ],
        "margin": {"t": 20},
        "legend": {"orientation": "h"},
    }


# ------------------------------------------------------------------------------------ PDF


def _latin1(text: str) -> str:
    for a, b in (("“", '"'), ("”", '"'), ("’", "'"), ("‘", "'"), ("—", "-"), ("–", "-")):
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def _num(x) -> str:
    return "-" if x is None else f"{x:,.1f}"


def pdf(rep: Report, lived: list | None = None) -> bytes:
    run = rep.run
    doc = FPDF(format="A4")
    doc.set_auto_page_break(auto=True, margin=15)
    doc.add_page()
    width = doc.w - doc.l_margin - doc.r_margin

    def line(text: str, size: int = 10, style: str = "", gap: float = 1) -> None:
        doc.set_font("Helvetica", style, size)
        doc.multi_cell(width, size * 0.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        doc.ln(gap)

    line(f"Evaluation: {run.initiative.name}", 16, "B", 2)
    line(
        f"Outcome: {rep.indicator_label}. Treated: {', '.join(run.treated)}. Comparators: "
        f"{', '.join(run.comparators)}. Start: {run.start_quarter} ({rep.start_label})."
    )
    line(
        f"Run {run.ran_at:%-d %B %Y %H:%M} by {run.ran_by_label}. Code version "
        f"{run.code_version}. Panel SHA-256 {run.panel_sha256}. Seed {run.seed}, "
        f"placebo draws up to {run.placebo_draws}.",
        8,
        gap=3,
    )
    for m in rep.methods:
        line(m.name.capitalize(), 13, "B")
        if m.body is None:
            line(f"Could not run: {m.error}", gap=3)
            continue
        b = m.body
        ci = b.get("ci95")
        interval = f"{_num(ci[0])} to {_num(ci[1])}" if ci else "not available"
        p = (b.get("placebo") or {}).get("p_value")
        line(
            f"Estimate {_num(b.get('att'))} per 100,000 a quarter; 95% interval {interval}; "
            f"pre-period fit (RMSPE) {_num(b.get('pre_rmspe'))}"
            + (f"; placebo p-value {p:.2f}" if p is not None else "")
            + "."
        )
        if m.reading:
            line(m.reading.headline, 11, "B")
            for sentence in m.reading.sentences:
                line(sentence, gap=0.5)
        doc.ln(1)
        _gaps_chart(doc, b.get("gaps") or {}, run.start_quarter, width)
        doc.ln(3)
    line("Rates per 100,000 by locality and quarter", 13, "B")
    _table(doc, rep)
    if lived:
        doc.ln(3)
        line("Lived experience beside the numbers", 13, "B")
        for pq in lived:
            line(
                f"{pq.locality} {pq.quarter}: own words {_pct(pq.own_words)}, goals met "
                f"{_pct(pq.goals_met)}, survey responses "
                f"{LABEL if pq.survey_responses is None else pq.survey_responses}",
                9,
                gap=0.3,
            )
    doc.ln(2)
    line(
        "Small numbers: any count from 1 to 7 is shown as 'fewer than 8' and the rate "
        "built on it is not shown. No person is named.",
        8,
    )
    return bytes(doc.output())


def _pct(share) -> str:
    if share.denominator == 0:
        return "none in this quarter"
    return "not shown (fewer than 8)" if share.pct is None else f"{share.pct:.0f}%"


def _gaps_chart(doc: FPDF, gaps: dict, start: str, width: float) -> None:
    """Bars of the gap by period around a zero line; the start marked. Drawn with fpdf2's
    rectangles and lines (no image library needed)."""
    values = [(k, v) for k, v in sorted(gaps.items()) if v is not None]
    if not values:
        return
    height = 40.0
    top = doc.get_y()
    if top + height + 10 > doc.h - doc.b_margin:
        doc.add_page()
        top = doc.get_y()
    left = doc.l_margin
    biggest = max(abs(v) for _, v in values) or 1.0
    mid = top + height / 2
    step = width / len(values)
    doc.set_draw_color(66, 85, 99)
    doc.line(left, mid, left + width, mid)
    doc.set_font("Helvetica", "", 6)
    for i, (k, v) in enumerate(values):
        x = left + i * step
        bar = (abs(v) / biggest) * (height / 2 - 2)
        post = k >= start if not k.lstrip("-").isdigit() else int(k) >= 0
        doc.set_fill_color(0, 94, 184) if post else doc.set_fill_color(174, 183, 189)
        doc.rect(x + step * 0.15, mid - bar if v > 0 else mid, step * 0.7, bar, style="F")
        doc.set_xy(x, top + height)
        doc.cell(step, 3, _latin1(str(k)), align="C")
    doc.set_xy(left, top + height + 4)
    doc.set_font("Helvetica", "I", 7)
    doc.cell(
        width,
        3,
        f"Gap (treated minus comparison) by period; blue from the start ({start}); largest "
        f"bar {biggest:,.1f}.",
    )
    doc.ln(4)


def _table(doc: FPDF, rep: Report) -> None:
    doc.set_font("Helvetica", "B", 7)
    cols = ["Quarter", *rep.series.keys()]
    w = min(30.0, (doc.w - doc.l_margin - doc.r_margin) / len(cols))
    for c in cols:
        doc.cell(w, 5, _latin1(c), border=1)
    doc.ln()
    doc.set_font("Helvetica", "", 7)
    for i, q in enumerate(rep.quarters):
        doc.cell(w, 4.5, q, border=1)
        for loc in rep.series:
            value = rep.series[loc][i]
            doc.cell(w, 4.5, "fewer than 8" if value is None else f"{value:,.1f}", border=1)
        doc.ln()
