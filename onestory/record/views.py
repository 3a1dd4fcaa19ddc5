"""Pages of the integrated record. Views stay thin: they parse the request, call the audited
queries in `onestory.record.queries` and render; access rules live in the policy."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from onestory.access import actions as access_actions
from onestory.access import queries as access_queries
from onestory.access.domain.decision import NOT_SHARED, OTHER_PARTNERSHIP
from onestory.access.domain.roles import Permission
from onestory.access.models import CareTeamJoinRequest
from onestory.access.policy import actor_for_user, decisions_kept, has_permission
from onestory.forms import date_parts, has_date, read_date, read_date_range
from onestory.record import clinical_summary, queries
from onestory.record.domain.search import SearchQueryError, parse_date_of_birth, parse_search
from onestory.record.visits import visit_for
from onestory.web import int_or

SEARCH_FIELDS = ("name", "dob", "nhs_number", "postcode")
SEARCH_PAGE_SIZE = 50


@login_required
@require_GET
def search(request):
    """The search form; results when any criterion was given."""
    by = actor_for_user(request.user, "page")
    if not has_permission(by, Permission.SEARCH_PEOPLE):
        # Roles without record access (administrator, privacy lead) land on their own page.
        if has_permission(by, Permission.ASSIGN_ROLES):
            return redirect("staff-list")
        if has_permission(by, Permission.REVIEW_BREAK_GLASS):
            return redirect("break-glass-queue")
    values = {f: request.GET.get(f, "").strip() for f in SEARCH_FIELDS}
    context = {"values": values, "errors": {}, "results": None, "dob_parts": _dob_parts(request)}
    if has_date(request.GET, "dob"):
        # The three-box date input; a bare ?dob=31/03/1950 (older links) still works.
        try:
            born = read_date(request.GET, "dob", label="Date of birth", past=True)
        except ValidationError as exc:
            context["errors"] = {"dob": exc.messages[0]}
            return render(request, "record/search.html", context)
        values["dob"] = born.isoformat() if born else ""
    if any(values.values()):
        page = max(1, int_or(request.GET.get("page"), 1))
        try:
            query = parse_search(**values)
            results = queries.search_people(query, by=by, offset=(page - 1) * SEARCH_PAGE_SIZE)
        except SearchQueryError as exc:
            context["errors"] = exc.errors
        else:
            context["results"] = results

            def page_url(n: int) -> str:
                return "?" + urlencode([*((k, v) for k, v in values.items() if v), ("page", n)])

            context["previous_url"] = page_url(results.page - 1) if results.page > 1 else ""
            context["next_url"] = page_url(results.page + 1) if results.truncated else ""
    return render(request, "record/search.html", context)


def _dob_parts(request) -> dict[str, str]:
    """The date of birth boxes to show again: as typed, or from an older ?dob= link."""
    if has_date(request.GET, "dob"):
        return date_parts(request.GET, "dob")
    try:
        born = parse_date_of_birth(request.GET.get("dob", ""))
    except ValueError:
        born = None
    if born is None:
        return {"day": "", "month": "", "year": ""}
    return {"day": str(born.day), "month": str(born.month), "year": str(born.year)}


def _timeline_args(request) -> dict:
    date_from, date_to, _errors = read_date_range(request.GET)
    return {
        "systems": request.GET.getlist("system"),
        "kinds": request.GET.getlist("kind"),
        "page": int_or(request.GET.get("page"), 1),
        "date_from": date_from,
        "date_to": date_to,
        "visit": visit_for(request),
    }


DATE_BOUNDS = (("from", "From"), ("to", "To"))


def _timeline_context(request, timeline) -> dict:
    """Pagination links that keep the current filters."""
    filters = [("system", s.value) for s in timeline.systems if s.selected]
    filters += [("kind", k.value) for k in timeline.kinds if k.selected]
    filters += [
        (f"{name}-{part}", value)
        for name, _label in DATE_BOUNDS
        for part, value in date_parts(request.GET, name).items()
        if value
    ]
    _from, _to, date_errors = read_date_range(request.GET)

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
        "date_errors": date_errors,
        "date_values": request.GET,
    }


def _page_window(page: int, pages: int, width: int = 2) -> list[int]:
    """Page numbers to link: first, last and a few either side of the current one."""
    numbers = {1, pages, *range(max(1, page - width), min(pages, page + width) + 1)}
    return sorted(numbers)


@login_required
@require_GET
def person(request, person_id):
    """The person's record summary, care team and the first page of their timeline; or,
    without access, a page (403) that shows nothing about them and offers to join the care
    team or break glass."""
    by = actor_for_user(request.user, "page")
    if _wants_section(request):
        return timeline(request, person_id)
    # A read of one record in five queries: each decides access, once between them.
    with decisions_kept():
        return _person_page(request, by, person_id)


def _person_page(request, by, person_id):
    try:
        record = queries.get_person_record(person_id, by=by, visit=visit_for(request))
    except PermissionDenied:
        return _no_access(request, by, person_id)
    timeline_page = queries.get_timeline(person_id, by=by, **_timeline_args(request))
    who = access_queries.person_by_external_id(person_id)
    decision = queries.access_decision(person_id, by=by)
    context = {
        "record": record,
        "access": decision,
        "break_glass_expires": (
            access_queries.break_glass_expiry(who, by=by)
            if decision.basis == "break_glass"
            else None
        ),
        "care_team": access_queries.care_team(who, by=by),
        "my_username": request.user.get_username(),
        "my_organisation": by.organisation,
        "joined": request.GET.get("joined") == "1",
        "clinical": clinical_summary.get_clinical_summary(
            person_id, by=by, visit=visit_for(request)
        ),
        **_timeline_context(request, timeline_page),
    }
    return render(request, "record/person.html", context)


def _no_access(request, by, person_id, *, errors=None, values=None, status=403):
    """The page shown instead of a record the actor may not see: no name, no identifiers,
    nothing that depends on who the person is beyond the id already in the address."""
    hours = settings.ONESTORY_BREAK_GLASS_HOURS
    # The decision's reason says whether joining or breaking glass could work: not when the
    # person refused the organisation, nor for a role that needs the person's allow first.
    decision = queries.access_decision(person_id, by=by)
    refused = decision.refused_by_person
    not_shared = decision.reason == NOT_SHARED
    # Another partnership's person: only care across the boundary opens it (ADR 0026).
    other_partnership = decision.reason == OTHER_PARTNERSHIP
    actionable = not refused and not not_shared and not other_partnership
    staff = getattr(request.user, "staff", None)
    context = {
        "person_id": person_id,
        "refused_by_person": refused,
        "not_shared": not_shared,
        "other_partnership": other_partnership,
        "my_organisation_name": staff.organisation.name if staff else "",
        "can_join": actionable and has_permission(by, Permission.JOIN_CARE_TEAM),
        "can_join_whole_team": actionable and has_permission(by, Permission.JOIN_CARE_TEAM),
        "can_break_glass": actionable and has_permission(by, Permission.BREAK_GLASS),
        "break_glass_hours": hours,
        "break_glass_until": timezone.localtime() + timedelta(hours=hours),
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "record/no_access.html", context, status=status)


@login_required
@require_POST
def join_care_team(request, person_id):
    """Join the person's care team (yourself, or your organisation's whole team) for a
    stated reason, then open the record."""
    by = actor_for_user(request.user, "page")
    who = access_queries.person_by_external_id(person_id)
    reason = request.POST.get("reason", "").strip()
    whole_team = request.POST.get("whole_team") == "yes"
    values = {"join_reason": reason, "whole_team": whole_team}
    if not reason:
        errors = {"join_reason": "Enter why you are joining the care team"}
        return _no_access(request, by, person_id, errors=errors, values=values, status=400)
    staff = getattr(request.user, "staff", None)
    if staff is None:
        raise PermissionDenied("Only members of staff join care teams.")
    try:
        joined = access_actions.join_care_team(
            person=who, staff=staff, reason=reason, whole_team=whole_team, by=by
        )
    except ValueError as exc:
        return _no_access(
            request, by, person_id, errors={"join_reason": str(exc)}, values=values, status=400
        )
    except PermissionDenied as exc:
        return _no_access(request, by, person_id, errors={"join_reason": str(exc)}, values=values)
    if isinstance(joined, CareTeamJoinRequest):  # no checkable basis: waits for review
        return redirect("join-request-status", joined.pk)
    return redirect(reverse("person", args=[person_id]) + "?joined=1")


@login_required
@require_POST
def break_glass(request, person_id):
    """Emergency, time-limited access for a stated reason, then open the record."""
    by = actor_for_user(request.user, "page")
    who = access_queries.person_by_external_id(person_id)
    reason = request.POST.get("reason", "").strip()
    values = {"break_glass_reason": reason}
    staff = getattr(request.user, "staff", None)
    if staff is None:
        raise PermissionDenied("Only members of staff may break glass.")
    try:
        access_actions.break_glass(person=who, staff=staff, reason=reason, by=by)
    except ValueError as exc:
        errors = {"break_glass_reason": str(exc)}
        return _no_access(request, by, person_id, errors=errors, values=values, status=400)
    except PermissionDenied as exc:
        errors = {"break_glass_reason": str(exc)}
        return _no_access(request, by, person_id, errors=errors, values=values)
    return redirect("person", person_id)


@login_required
@require_POST
def leave_care_team(request, membership_id: int):
    """End your own (or your organisation's) care-team membership."""
    by = actor_for_user(request.user, "page")
    membership = access_queries.own_membership(membership_id, by=by)
    person_id = membership.person.external_id
    access_actions.leave_care_team(membership=membership, by=by)
    return redirect("person", person_id)


@login_required
@require_GET
def timeline(request, person_id):
    """The timeline alone: the section htmx swaps in (filters and results, so that the page
    htmx keeps for Back shows the filters that were applied), or a page of its own
    without JS."""
    by = actor_for_user(request.user, "page")
    tl = queries.get_timeline(person_id, by=by, **_timeline_args(request))
    context = _timeline_context(request, tl)
    if _wants_section(request):
        response = render(request, "record/_timeline_section.html", context)
        # The address to keep for Back and bookmarks: the person page with these filters.
        kept = [(k, v) for k, values in request.GET.lists() for v in values if v]
        query = "?" + urlencode(kept) if kept else ""
        response["HX-Push-Url"] = reverse("person", args=[person_id]) + query
        return response
    return render(request, "record/timeline.html", context)


def _wants_section(request) -> bool:
    """An htmx filter or page click (not htmx restoring a page for Back, which needs the
    whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
