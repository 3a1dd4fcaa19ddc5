"""Pages of the integrated record. Views stay thin: they parse the request, call the audited
queries in `onestory.record.queries` and render; access rules live in the policy."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onestory.access.policy import actor_for_user
from onestory.record import queries
from onestory.record.domain.search import SearchQueryError, parse_search

SEARCH_FIELDS = ("name", "dob", "nhs_number", "postcode")


@login_required
@require_GET
def search(request):
    """The search form; results when any criterion was given."""
    by = actor_for_user(request.user, "page")
    values = {f: request.GET.get(f, "").strip() for f in SEARCH_FIELDS}
    context = {"values": values, "errors": {}, "results": None}
    if any(values.values()):
        try:
            query = parse_search(**values)
        except SearchQueryError as exc:
            context["errors"] = exc.errors
        else:
            context["results"] = queries.search_people(query, by=by)
    return render(request, "record/search.html", context)


def _timeline_args(request) -> dict:
    return {
        "systems": request.GET.getlist("system"),
        "kinds": request.GET.getlist("kind"),
        "page": _int(request.GET.get("page"), 1),
    }


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _timeline_context(request, timeline) -> dict:
    """Pagination links that keep the current filters."""
    filters = [("system", s.value) for s in timeline.systems if s.selected]
    filters += [("kind", k.value) for k in timeline.kinds if k.selected]

    def page_url(n: int) -> str:
        return "?" + urlencode([*filters, ("page", n)])

    numbers = _page_window(timeline.page, timeline.pages)
    pages = [
        {
            "number": n,
            "href": page_url(n),
            "current": n == timeline.page,
            "gap_before": i > 0 and n - numbers[i - 1] > 1,
        }
        for i, n in enumerate(numbers)
    ]
    return {
        "timeline": timeline,
        "page_links": pages,
        "previous_url": page_url(timeline.page - 1) if timeline.has_previous else "",
        "next_url": page_url(timeline.page + 1) if timeline.has_next else "",
        "filtered": bool(filters),
    }


def _page_window(page: int, pages: int, width: int = 2) -> list[int]:
    """Page numbers to link: first, last and a few either side of the current one."""
    numbers = {1, pages, *range(max(1, page - width), min(pages, page + width) + 1)}
    return sorted(numbers)


@login_required
@require_GET
def person(request, person_id):
    """The person's record summary and the first page of their timeline."""
    by = actor_for_user(request.user, "page")
    record = queries.get_person_record(person_id, by=by)
    timeline = queries.get_timeline(person_id, by=by, **_timeline_args(request))
    context = {"record": record, **_timeline_context(request, timeline)}
    return render(request, "record/person.html", context)


@login_required
@require_GET
def timeline(request, person_id):
    """The timeline alone: the fragment htmx swaps in, or a page of its own without JS."""
    by = actor_for_user(request.user, "page")
    tl = queries.get_timeline(person_id, by=by, **_timeline_args(request))
    context = _timeline_context(request, tl)
    if request.headers.get("HX-Request") == "true":
        return render(request, "record/_timeline.html", context)
    return render(request, "record/timeline.html", context)
