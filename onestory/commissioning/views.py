"""The commissioner's page: Better Care Fund metrics and population segments, aggregates
only. Thin: the figures come from `queries.overview` (VIEW_AGGREGATES, suppressed, audited)."""

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onestory.access.policy import actor_for_user
from onestory.commissioning import queries
from onestory.commissioning.domain import bcf, suppression


def _year(request) -> tuple[bcf.Year, str]:
    """The year asked for (default: the last complete one) and an error if it is not one
    of the choices."""
    choices = queries.year_choices(date.today())
    asked = request.GET.get("year", "")
    if not asked:
        return choices[0], ""
    for year in choices:
        if year.label == asked:
            return year, ""
    return choices[0], "Choose a financial year from the list."


@login_required
@require_GET
def overview(request):
    by = actor_for_user(request.user, "page")
    year, error = _year(request)
    figures = queries.overview(by=by, year=year)
    return render(
        request,
        "commissioning/overview.html",
        {
            "figures": figures,
            "years": queries.year_choices(date.today()),
            "error": error,
            "threshold": suppression.THRESHOLD,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def overview_csv(request):
    """The page's figures as CSV, with the same suppression (a suppressed cell is empty and
    its `suppressed` column says so)."""
    by = actor_for_user(request.user, "page")
    year, error = _year(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    figures = queries.overview(by=by, year=year)
    if not figures["linked"]:
        return HttpResponse(
            "Records have not been linked into people yet.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="commissioning-{year.label}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "section",
            "measure",
            "value",
            "numerator",
            "denominator",
            "ci95_low",
            "ci95_high",
            "suppressed",
        ]
    )
    for m in figures["metrics"]:
        low, high = m["ci95"] or ("", "")
        writer.writerow(
            [
                "bcf_metric",
                m["key"],
                m["value"] if m["value"] is not None else "",
                m["numerator"] if m["numerator"] is not None else "",
                m["denominator"] if m["denominator"] is not None else "",
                low,
                high,
                "yes" if m["suppressed"] else "no",
            ]
        )
    for s in figures["segments"]:
        people = s["people"]
        writer.writerow(
            [
                "segment",
                s["key"],
                "" if people is None else people,
                "",
                "",
                "",
                "",
                "yes" if people is None else "no",
            ]
        )
    return response
