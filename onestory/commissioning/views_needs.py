"""The needs page (a JSNA-style profile of the population) and its CSV and XLSX downloads:
aggregates only, for VIEW_AGGREGATES. Thin: the figures come from `queries.needs_figures`
(suppressed, audited with counts); this module lays them out and draws the charts' data."""

import csv
import io
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, require
from onestory.commissioning import queries
from onestory.commissioning.domain import needs, segments, suppression

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = {"family": "Arial, sans-serif", "size": 14}


def _choices(request) -> tuple[dict, str]:
    """What was asked for (partnership, locality, quarter) and an error, if any."""
    quarters = queries.quarter_choices(date.today())
    asked = {
        "partnership": request.GET.get("partnership", "").strip(),
        "locality": request.GET.get("locality", "").strip(),
        "quarter": quarters[0],
    }
    label = request.GET.get("quarter", "").strip()
    if label:
        chosen = [q for q in quarters if q.label == label]
        if not chosen:
            return asked, "Choose a quarter from the list."
        asked["quarter"] = chosen[0]
    return asked, ""


def _figures(request):
    """(figures, asked, error): figures is None when the request cannot be answered."""
    by = actor_for_user(request.user, "page")
    require(by, Permission.VIEW_AGGREGATES)  # refused before any choice is read
    asked, error = _choices(request)
    if error:
        return None, asked, error
    try:
        figures = queries.needs_figures(
            by=by,
            quarter=asked["quarter"],
            partnership=asked["partnership"] or None,
            locality=asked["locality"] or None,
        )
    except queries.UnknownArea as e:
        return None, asked, str(e)
    return figures, asked, ""


def _charts(figures: dict) -> dict:
    """Plotly figures (data and layout) for the page: withheld values are left out (null),
    never drawn as zero."""
    names = [loc["name"] for loc in figures["localities"]]
    people = {
        "data": [
            {
                "type": "bar",
                "name": row["label"],
                "x": names,
                "y": [row["localities"][loc["code"]] for loc in figures["localities"]],
            }
            for row in figures["people_by_segment"]
        ],
        "layout": {
            "barmode": "stack",
            "title": {"text": "People by segment and locality"},
            "yaxis": {"title": {"text": "People"}, "rangemode": "tozero"},
            "font": FONT,
            "margin": {"t": 60, "b": 60, "l": 60, "r": 20},
        },
    }
    quarters = [row["key"] for row in figures["trend"]]
    trend = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": needs.MEASURE_LABELS[m],
                "x": quarters,
                "y": [row[m] for row in figures["trend"]],
            }
            for m in ("emergency_admissions", "ae_attendances")
        ],
        "layout": {
            "title": {"text": "Emergency admissions and A&E attendances by quarter"},
            "yaxis": {"title": {"text": "Count"}, "rangemode": "tozero"},
            "font": FONT,
            "margin": {"t": 60, "b": 60, "l": 60, "r": 20},
        },
    }
    horizons = figures["projection"]["horizons"]
    projection = {
        "data": [
            {
                "type": "bar",
                "name": name,
                "x": [row["label"] for row in figures["projection"]["segments"]],
                "y": [row[key] for row in figures["projection"]["segments"]],
            }
            for name, key in [("Now", "now")]
            + [(f"In {h} years", f"in_{h}_years") for h in horizons]
        ],
        "layout": {
            "barmode": "group",
            "title": {"text": "People by segment, projected from the age structure"},
            "yaxis": {"title": {"text": "People"}, "rangemode": "tozero"},
            "font": FONT,
            "margin": {"t": 60, "b": 160, "l": 60, "r": 20},
        },
    }
    return {"people": people, "trend": trend, "projection": projection}


@login_required
@require_GET
def needs_page(request):
    from onestory.places import queries as places

    figures, asked, error = _figures(request)
    context = {
        "figures": figures,
        "asked": asked,
        "error": error,
        "quarters": queries.quarter_choices(date.today()),
        "partnerships": places.partnerships(),
        "localities": places.localities(),
        "threshold": suppression.THRESHOLD,
        "measures": needs.MEASURE_LABELS,
        "rules": segments.RULES,
    }
    if figures and figures["linked"]:
        context["charts"] = _charts(figures)
        context["query"] = request.GET.urlencode()
    return render(request, "commissioning/needs.html", context, status=400 if error else 200)


def _yes(withheld: bool) -> str:
    return "yes" if withheld else "no"


def _download(request, kind: str) -> HttpResponse:
    figures, asked, error = _figures(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    assert figures is not None
    if not figures["linked"]:
        return HttpResponse(
            "Records have not been linked into people yet.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    area = asked["locality"] or asked["partnership"] or "all"
    name = f"needs-{area}-{asked['quarter'].label.replace(' ', '-')}.{kind}"
    rows = needs.export_rows(figures)
    if kind == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(needs.EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([needs.spreadsheet_safe(v) for v in row[:-1]] + [_yes(row[-1])])
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "Needs"
        safe = needs.spreadsheet_safe
        sheet.append([safe(f"Population needs, {figures['area']}, {figures['quarter']['label']}")])
        sheet.append([f"Counts from 1 to {suppression.THRESHOLD - 1} are withheld (empty)."])
        sheet.append(list(needs.EXPORT_COLUMNS))
        for row in rows:
            sheet.append([safe(v) for v in row[:-1]] + [_yes(row[-1])])
        costs = book.create_sheet("Unit costs")
        costs.append(["item", "pounds", "unit", "source", "price year"])
        for item, u in figures["unit_costs"]["items"].items():
            costs.append([safe(v) for v in (item, u["pounds"], u["unit"], u["source"], u["year"])])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def needs_csv(request):
    return _download(request, "csv")


@login_required
@require_GET
def needs_xlsx(request):
    return _download(request, "xlsx")
