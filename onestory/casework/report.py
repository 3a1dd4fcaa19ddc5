"""The risk model's validation report: held-out AUC against age alone, the Brier score,
the coefficients as odds ratios, and a calibration plot (observed against predicted risk by
tenth), as one self-contained HTML file (plotly.js inlined: no CDN)."""

import html
import math
from pathlib import Path

from onestory.casework.domain import risk
from onestory.casework.models import CaseFindingRun


def _figure(value, spec: str) -> str:
    """A validation figure, or "n/a" when the held-out set was too small to compute it."""
    return "n/a" if value is None else format(value, spec)


def summary_lines(run: CaseFindingRun) -> list[str]:
    v = run.validation
    lines = [
        f"Case finding as at {run.as_of}: {run.stats.get('people', 0):,} people scored "
        f"({run.stats.get('opted_out_excluded', 0):,} opted out, excluded) "
        f"in {run.stats.get('seconds', 0)} s.",
        f"Risk model trained on {v['trained_on']:,} people, validated on {v['held_out']:,} "
        f"held out; emergency admission rate {v['admitted_rate']:.1%}.",
        f"Held-out AUC {_figure(v['auc'], '.3f')} (age alone {_figure(v['auc_age_only'], '.3f')});"
        f" Brier {_figure(v['brier'], '.4f')}.",
        "Calibration (predicted -> observed, by tenth of risk): "
        + ", ".join(f"{b['mean_predicted']:.3f}->{b['observed']:.3f}" for b in v["calibration"]),
    ]
    return lines


def html_report(run: CaseFindingRun) -> str:
    import plotly.graph_objects as go

    v = run.validation
    cal = v["calibration"]
    top = max([b["mean_predicted"] for b in cal] + [b["observed"] for b in cal] + [0.05])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, top],
            y=[0, top],
            mode="lines",
            name="Perfect calibration",
            line={"dash": "dash", "color": "#768692"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[b["mean_predicted"] for b in cal],
            y=[b["observed"] for b in cal],
            mode="lines+markers",
            name="Model (held-out tenths)",
            line={"color": "#005eb8"},
        )
    )
    fig.update_layout(
        title="Calibration on held-out people",
        xaxis_title="Mean predicted risk of emergency admission in 12 months",
        yaxis_title="Observed proportion admitted",
        height=480,
        width=640,
    )
    model = risk.LogisticModel.from_dict(run.model)
    labels = {name: (label, unit) for name, label, unit in risk.FEATURES}
    rows = "".join(
        f"<tr><td>{html.escape(labels[n][0])}</td><td>{html.escape(labels[n][1])}</td>"
        f"<td>{c:+.3f}</td><td>{math.exp(c):.2f}</td></tr>"
        for n, c in zip(model.names, model.coefficients, strict=True)
    )
    summary = "".join(f"<p>{html.escape(line)}</p>" for line in summary_lines(run))
    plot = fig.to_html(full_html=False, include_plotlyjs=True)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Case finding: risk model validation</title>
<style>body{{font-family:Arial,sans-serif;margin:2em;max-width:60em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}</style></head>
<body><h1>Risk of an emergency admission in 12 months: validation</h1>{summary}
<h2>Coefficients (logistic regression)</h2>
<table><tr><th>Feature</th><th>Unit</th><th>Coefficient</th><th>Odds ratio</th></tr>
<tr><td>Intercept</td><td></td><td>{model.intercept:+.3f}</td><td></td></tr>{rows}</table>
<h2>Calibration</h2>{plot}
<p>Trained on features one year before the date and emergency admissions in the year that
followed; 30% of people held out by a hash of their id. See docs/adr/0010.</p></body></html>"""


def write(run: CaseFindingRun, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_report(run), encoding="utf-8")
    return path
