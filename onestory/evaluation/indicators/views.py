"""The analyst's indicators page: one indicator by locality and quarter, small numbers
suppressed, with a CSV download of the same figures. Thin: the figures come from
`queries.locality_quarter_panel` (VIEW_AGGREGATES, audited) through `queries.published`."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, require
from onestory.commissioning.domain import suppression
from onestory.evaluation.indicators import domain, queries
from onestory.evaluation.indicators.commands import FIELDS, cell
from onestory.people.models import LinkageRun

DEFAULT = "emergency_admissions"


def _chosen(request) -> tuple[str, str | None, str]:
    """The indicator and partnership asked for, and an error naming what is wrong."""
    from onestory.places import queries as places

    name = request.GET.get("indicator", "") or DEFAULT
    partnership = request.GET.get("partnership", "") or None
    if name not in domain.INDICATORS:
        return DEFAULT, partnership, "Choose an indicator from the list."
    if partnership and places.find_partnership(partnership) is None:
        return name, None, "Choose a partnership from the list."
    return name, partnership, ""


def _rows(by, name: str, partnership: str | None) -> list[dict]:
    frame = queries.locality_quarter_panel(by=by, indicators=[name], partnership=partnership)
    return queries.published(frame)


@login_required
@require_GET
def indicators_page(request):
    from onestory.places import queries as places

    by = actor_for_user(request.user, "page")
    require(by, Permission.VIEW_AGGREGATES)
    name, partnership, error = _chosen(request)
    linked = LinkageRun.objects.filter(is_current=True).exists()
    table: list[dict] = []
    quarters: list[str] = []
    if linked:
        rows = _rows(by, name, partnership)
        quarters = sorted({r["quarter"] for r in rows})
        by_place: dict[tuple[str, str], dict[str, dict]] = {}
        for r in rows:
            by_place.setdefault((r["partnership"], r["locality"]), {})[r["quarter"]] = r
        names = {loc.code: loc.name for loc in places.localities()}
        table = [
            {
                "partnership": p,
                "locality": loc,
                "name": names.get(loc, loc),
                "cells": [cells[q] for q in quarters],
            }
            for (p, loc), cells in sorted(by_place.items())
        ]
    return render(
        request,
        "evaluation/indicators.html",
        {
            "indicator": domain.INDICATORS[name],
            "indicators": list(domain.INDICATORS.values()),
            "partnerships": places.partnerships(),
            "partnership": partnership or "",
            "linked": linked,
            "quarters": quarters,
            "quarter_headings": [domain.Quarter.parse(q).words for q in quarters],
            "table": table,
            "error": error,
            "threshold": suppression.THRESHOLD,
            "not_computable": domain.NOT_COMPUTABLE,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def indicators_csv(request):
    """The page's figures as CSV (one row per locality and quarter), suppressed the same way:
    a suppressed figure is empty and its `suppressed` column says so."""
    by = actor_for_user(request.user, "page")
    require(by, Permission.VIEW_AGGREGATES)
    name, partnership, error = _chosen(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    if not LinkageRun.objects.filter(is_current=True).exists():
        return HttpResponse(
            "Records have not been linked into people yet.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    rows = _rows(by, name, partnership)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicators-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(FIELDS)
    for r in rows:
        writer.writerow([cell(r[k]) for k in FIELDS])
    return response
