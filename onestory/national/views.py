"""The national view's pages: the funnel plot and league table for one indicator and quarter
(with CSV and XLSX of the same table), and partnerships' integration models. Thin: figures
from `queries` (VIEW_NATIONAL, audited), changes through `actions`."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from onestory.access.policy import actor_for_user
from onestory.national import actions, queries
from onestory.national.domain.published import label_of, quarter_label
from onestory.national.models import IntegrationModel

METHODS = (
    ("multiplicative", "Widen the limits by the over-dispersion factor (√φ)"),
    ("additive", "Add a between-place variance (random effects)"),
    ("none", "Chance variation only"),
)
BUDGETS = (("", "Every model"), ("pooled", "Pooled budget"), ("aligned", "Aligned budgets"))
COLUMNS = (
    "place",
    "partnership",
    "budget_model",
    "numerator",
    "denominator",
    "value",
    "ci95_low",
    "ci95_high",
    "limit95_low",
    "limit95_high",
    "limit998_low",
    "limit998_high",
    "flag",
)


def _choice(request, by) -> tuple[dict, dict]:
    """What the form asks for, defaults filled in, and errors by field."""
    errors = {}
    names = queries.indicators(by=by)
    indicator = request.GET.get("indicator") or (names[0] if names else "")
    if names and indicator not in names:
        errors["indicator"] = "Choose an indicator from the list."
        indicator = names[0]
    quarters = queries.quarters(by=by, indicator=indicator) if indicator else []
    quarter = request.GET.get("quarter") or (quarters[0] if quarters else "")
    if quarters and quarter not in quarters:
        errors["quarter"] = "Choose a quarter from the list."
        quarter = quarters[0]
    level = request.GET.get("level", "locality")
    if level not in queries.LEVELS:
        errors["level"] = "Choose localities or partnerships."
        level = "locality"
    budget = request.GET.get("budget", "")
    if budget not in dict(BUDGETS):
        errors["budget"] = "Choose an integration model from the list."
        budget = ""
    method = request.GET.get("overdispersion", "multiplicative")
    if method not in dict(METHODS):
        errors["overdispersion"] = "Choose how to allow for over-dispersion."
        method = "multiplicative"
    chosen = {
        "indicator": indicator,
        "quarter": quarter,
        "level": level,
        "budget": budget,
        "overdispersion": method,
        "indicators": names,
        "quarters": quarters,
        # What the reader sees: labels, not the published names and quarter codes.
        "indicator_choices": [(name, label_of(name)) for name in names],
        "quarter_choices": [(q, quarter_label(q)) for q in quarters],
        "indicator_label": label_of(indicator) if indicator else "",
        "quarter_label": quarter_label(quarter) if quarter else "",
    }
    return chosen, errors


def _funnel(by, chosen):
    return queries.funnel(
        by=by,
        indicator=chosen["indicator"],
        quarter=chosen["quarter"],
        level=chosen["level"],
        budget=chosen["budget"],
        method=chosen["overdispersion"],
    )


def _chart(result) -> dict:
    """The funnel: each place's value against its size, the national line and the 95% and
    99.8% limits; and the trend of the national value by budget model."""
    size = "people" if result.kind == "rate" else "counted"
    xs = [c["n"] for c in result.curve]
    line = {"mode": "lines", "hoverinfo": "skip"}
    data = [
        {
            **line,
            "x": xs,
            "y": [c["upper998"] for c in result.curve],
            "name": "99.8% limits",
            "line": {"color": "#d5281b", "dash": "dot"},
            "legendgroup": "998",
        },
        {
            **line,
            "x": xs,
            "y": [c["lower998"] for c in result.curve],
            "showlegend": False,
            "line": {"color": "#d5281b", "dash": "dot"},
            "legendgroup": "998",
        },
        {
            **line,
            "x": xs,
            "y": [c["upper95"] for c in result.curve],
            "name": "95% limits",
            "line": {"color": "#ffb81c", "dash": "dash"},
            "legendgroup": "95",
        },
        {
            **line,
            "x": xs,
            "y": [c["lower95"] for c in result.curve],
            "showlegend": False,
            "line": {"color": "#ffb81c", "dash": "dash"},
            "legendgroup": "95",
        },
        {
            **line,
            "x": [xs[0], xs[-1]] if xs else [],
            "y": [result.target, result.target],
            "name": "National value",
            "line": {"color": "#212b32"},
        },
    ]
    for budget, colour, symbol in (
        ("pooled", "#005eb8", "circle"),
        ("aligned", "#007f3b", "diamond"),
        ("", "#768692", "square"),
    ):
        rows = [r for r in result.rows if r.budget == budget]
        if rows:
            data.append(
                {
                    "mode": "markers",
                    "x": [r.denominator for r in rows],
                    "y": [r.value for r in rows],
                    "text": [r.place for r in rows],
                    "name": dict(BUDGETS).get(budget) if budget else "Model not recorded",
                    "marker": {"color": colour, "symbol": symbol, "size": 10},
                    "hovertemplate": "%{text}: %{y:,.2f}<extra></extra>",
                }
            )
    return {
        "data": data,
        "layout": {
            "xaxis": {"title": {"text": f"Size ({size})"}, "type": "log", "automargin": True},
            "yaxis": {"title": {"text": result.unit}, "automargin": True, "rangemode": "tozero"},
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            "margin": {"t": 60, "b": 60, "l": 20, "r": 20},
            "font": {"family": "Arial, sans-serif", "size": 14},
        },
    }


def _trend_chart(result) -> dict:
    quarters = [t["quarter"] for t in result.trend]
    data = []
    for key, label, colour in (
        ("all", "Every place", "#212b32"),
        ("pooled", "Pooled budget", "#005eb8"),
        ("aligned", "Aligned budgets", "#007f3b"),
    ):
        ys = [t[key] for t in result.trend]
        if any(y is not None for y in ys):
            data.append(
                {
                    "mode": "lines+markers",
                    "x": quarters,
                    "y": ys,
                    "name": label,
                    "line": {"color": colour},
                }
            )
    return {
        "data": data,
        "layout": {
            "yaxis": {"title": {"text": result.unit}, "automargin": True, "rangemode": "tozero"},
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            "margin": {"t": 60, "b": 60, "l": 20, "r": 20},
            "font": {"family": "Arial, sans-serif", "size": 14},
        },
    }


@login_required
@require_GET
def home(request):
    by = actor_for_user(request.user, "page")
    chosen, errors = _choice(request, by)
    result = _funnel(by, chosen) if chosen["indicator"] and chosen["quarter"] else None
    context = {
        "chosen": chosen,
        "errors": errors,
        "result": result,
        "methods": METHODS,
        "budgets": BUDGETS,
        "chart": _chart(result) if result and result.rows else None,
        "trend": _trend_chart(result) if result and result.trend else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "national/home.html", context, status=400 if errors else 200)


def _table_rows(result):
    for r in result.rows:
        yield [
            r.place,
            r.partnership,
            r.budget,
            r.numerator,
            r.denominator,
            round(r.value, 4),
            round(r.ci_low, 4),
            round(r.ci_high, 4),
            round(r.lower95, 4),
            round(r.upper95, 4),
            round(r.lower998, 4),
            round(r.upper998, 4),
            r.flag,
        ]


def _download(request, fmt: str):
    by = actor_for_user(request.user, "page")
    chosen, errors = _choice(request, by)
    if errors or not chosen["indicator"]:
        message = "; ".join(errors.values()) or "No indicators have been published yet."
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    result = _funnel(by, chosen)
    name = f"national-{result.indicator}-{result.quarter}-{result.level}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv.writer(response)
        writer.writerow(COLUMNS)
        writer.writerows(_table_rows(result))
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Places"
    sheet.append([f"{result.indicator}, {result.quarter}, by {result.level} ({result.unit})"])
    sheet.append(list(COLUMNS))
    for row in _table_rows(result):
        sheet.append(row)
    about = book.create_sheet("About")
    about.append(["National value", result.target])
    about.append(["Over-dispersion", result.dispersion.describe() if result.dispersion else ""])
    about.append(["Places left out (count suppressed)", result.suppressed])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@require_GET
def table_csv(request):
    return _download(request, "csv")


@login_required
@require_GET
def table_xlsx(request):
    return _download(request, "xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def models(request):
    """Each partnership's integration model over time, and a form to record a change."""
    by = actor_for_user(request.user, "page")
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "")
            for k in (
                "partnership",
                "from_quarter",
                "budget",
                "mdt",
                "lead_commissioner",
                "host",
                "section75_scope",
                "reason",
            )
        }
        try:
            actions.record_model(
                **values,
                shared_records=request.POST.get("shared_records") == "yes",
                by=by,
            )
        except actions.ModelProblems as e:
            errors.update(e.errors)
        else:
            return redirect(reverse("national-models") + "?done=1")
    quarter = request.GET.get("quarter", "").strip().upper()
    try:
        in_quarter = queries.models_in_quarter(by=by, quarter=quarter) if quarter else None
    except ValueError as e:
        errors["quarter"] = str(e)
        in_quarter = None
    context = {
        "models": queries.integration_models(by=by),
        "quarter": quarter,
        "in_quarter": in_quarter,
        "errors": errors,
        "values": values,
        "budget_choices": IntegrationModel.Budget.choices,
        "mdt_choices": IntegrationModel.Mdt.choices,
        "done": "The model has been recorded." if request.GET.get("done") == "1" else "",
    }
    return render(request, "national/models.html", context, status=400 if errors else 200)
