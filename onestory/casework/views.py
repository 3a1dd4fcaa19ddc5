"""MDT pages: thin views over `casework.queries` (checked, audited reads) and
`casework.actions` (the one way each change is made)."""

import csv
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission
from onestory.casework import actions, agenda, queries
from onestory.casework.domain.efi import FIT, MILD, MODERATE, SEVERE
from onestory.forms import read_date
from onestory.web import int_or

CATEGORIES = (FIT, MILD, MODERATE, SEVERE)


def _float(value: str) -> float | None:
    try:
        return float(value) / 100 if value not in ("", None) else None
    except ValueError:
        return None


def _date(data, name: str, label: str) -> date | None:
    """A date from the three-box NHS date input; ValidationError names the field."""
    return read_date(data, name, label=label, required=True)


@login_required
@require_GET
def home(request):
    """The MDT area's start page: the parts the reader's role allows, and nothing else."""
    by = actor_for_user(request.user)
    lead = has_permission(by, Permission.LEAD_MDT)
    if not lead and not has_permission(by, Permission.JOIN_CARE_TEAM):
        raise PermissionDenied("Your role does not allow: lead mdt")
    return render(request, "casework/home.html", {"lead": lead})


def _worklist_filters(request) -> dict:
    return {
        "practice_code": request.GET.get("practice", ""),
        "neighbourhood": request.GET.get("neighbourhood", ""),
        "category": request.GET.get("category", "")
        if request.GET.get("category") in CATEGORIES
        else "",
        "min_risk": _float(request.GET.get("min_risk", "")),
        "sort": request.GET.get("sort", "risk"),
    }


@login_required
@require_GET
def worklist(request):
    """People the reader has a legitimate relationship with, by risk of an emergency
    admission, filterable, sortable, a page at a time, each with the reasons."""
    by = actor_for_user(request.user)
    filters = _worklist_filters(request)
    result = queries.worklist(by=by, page=int_or(request.GET.get("page"), 1, minimum=1), **filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/worklist.html",
        {
            "worklist": result,
            "filters": filters,
            "categories": CATEGORIES,
            "sorts": [(k, label) for k, (label, _) in queries.SORTS.items()],
            "min_risk": request.GET.get("min_risk", ""),
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def worklist_csv(request):
    """The worklist as a CSV file: the same people and reasons as the page (every page)."""
    by = actor_for_user(request.user)
    rows = queries.worklist_export(by=by, **_worklist_filters(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mdt-worklist.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "name",
            "nhs_number",
            "age",
            "practice",
            "neighbourhood",
            "risk_percent",
            "efi",
            "frailty",
            "lace",
            "emergency_admissions_12m",
            "admissions",
            "deficits",
            "withheld",
        ]
    )
    for row in rows:
        s, r = row.score, row.reasons
        writer.writerow(
            [
                row.named.name,
                row.named.nhs_number,
                s.age,
                s.practice_name,
                s.neighbourhood,
                round(s.risk * 100),
                f"{s.efi_score:.2f}",
                s.efi_category,
                "" if s.lace is None else s.lace,
                s.emergency_admissions_12m,
                "; ".join(f"{start} {diagnosis}".strip() for start, diagnosis in r.admissions),
                "; ".join(row.deficit_labels),
                _withheld_text(r),
            ]
        )
    return response


def _withheld_text(reasons) -> str:
    parts = []
    if reasons.deficits_withheld:
        parts.append(f"{reasons.deficits_withheld} deficit(s) not shown to you")
    if reasons.diagnoses_withheld:
        parts.append("admission diagnoses not shown to you")
    return "; ".join(parts)


@login_required
@require_http_methods(["GET", "POST"])
def take_on(request, person_id):
    """Take a person onto the MDT caseload with a named care coordinator: an MDT lead who
    may see the person's record."""
    by = actor_for_user(request.user)
    person = queries.person_by_external_id(person_id)
    queries.check_person(by, person, attempted="casework.take_on")
    named = queries.names_for([person.pk]).get(person.pk)
    errors = {}
    if request.method == "POST":
        coordinator = queries.coordinators().filter(pk=int_or(request.POST.get("coordinator"), 0))
        coordinator = coordinator.first()
        reason = request.POST.get("reason", "").strip()
        if coordinator is None:
            errors["coordinator"] = "Choose the care coordinator."
        if not reason:
            errors["reason"] = "Say why the team is taking this person on."
        if not errors:
            try:
                actions.take_onto_caseload(
                    person=person, coordinator=coordinator, reason=reason, by=by
                )
            except ValueError as exc:
                errors["reason"] = str(exc)
            else:
                messages.success(request, "Added to the MDT caseload.")
                return redirect("mdt-caseload")
    return render(
        request,
        "casework/take_on.html",
        {
            "person": person,
            "named": named,
            "score": queries.latest_score(person),
            "coordinators": queries.coordinators(),
            "errors": errors,
            "values": request.POST,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def caseload(request):
    by = actor_for_user(request.user)
    return render(request, "casework/caseload.html", {"caseload": queries.caseload(by=by)})


@login_required
@require_POST
def end_caseload(request, entry_id: int):
    by = actor_for_user(request.user)
    entry = queries.caseload_entry(entry_id)
    actions.end_caseload(entry=entry, reason=request.POST.get("reason", ""), by=by)
    messages.success(request, "Taken off the MDT caseload.")
    return redirect("mdt-caseload")


@login_required
@require_http_methods(["GET", "POST"])
def meetings(request):
    """Meetings, and (POST) a new one with its agenda built from the caseload and worklist."""
    by = actor_for_user(request.user)
    all_meetings = queries.meetings(by=by)
    if request.method == "POST":
        try:
            meets_on = _date(request.POST, "meets_on", "The meeting date")
        except ValidationError as exc:
            return render(
                request,
                "casework/meetings.html",
                {"meetings": all_meetings, "error": exc.messages[0]},
                status=400,
            )
        meeting = actions.create_meeting(
            title=request.POST.get("title", ""),
            meets_on=meets_on,
            practice_code=request.POST.get("practice", ""),
            by=by,
        )
        return redirect("mdt-meeting", meeting_id=meeting.pk)
    return render(request, "casework/meetings.html", {"meetings": all_meetings})


def _meeting_page(request, meeting_id: int, by, *, held_error: str = ""):
    m, entries = agenda.meeting(meeting_id, by=by)
    return render(
        request,
        "casework/meeting.html",
        {
            "meeting": m,
            "entries": entries,
            "staff": queries.coordinators(),
            "held_error": held_error,
        },
        status=400 if held_error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request, meeting_id: int):
    """The meeting: each person's summary on one screen (people the reader may not see are
    withheld); POST records the discussion of one item, or marks the meeting held."""
    by = actor_for_user(request.user)
    if request.method == "GET":
        return _meeting_page(request, meeting_id, by)
    m = agenda.get_meeting(meeting_id, by=by, check_role="held" in request.POST)
    if "held" in request.POST:
        try:
            actions.mark_meeting_held(meeting=m, by=by)
        except ValueError as exc:
            return _meeting_page(request, meeting_id, by, held_error=str(exc))
        messages.success(request, "Meeting marked as held.")
    else:
        item = agenda.agenda_item(m, request.POST.get("item"))
        actions.record_discussion(item=item, discussion=request.POST.get("discussion", ""), by=by)
        messages.success(request, "Discussion recorded.")
    return redirect("mdt-meeting", meeting_id=m.pk)


@login_required
@require_POST
def assign_action(request, meeting_id: int):
    by = actor_for_user(request.user)
    m = agenda.get_meeting(meeting_id, by=by, check_role=False)
    item = agenda.agenda_item(m, request.POST.get("item"))
    assignee = queries.coordinators().filter(pk=int_or(request.POST.get("assignee"), 0)).first()
    try:
        due = _date(request.POST, "due", "The due date")
    except ValidationError as exc:
        # Check the person first: a refused reader learns nothing, even from an error.
        queries.check_person(by, item.person, attempted="casework.assign_action")
        messages.error(request, exc.messages[0])
        return redirect("mdt-meeting", meeting_id=m.pk)
    description = request.POST.get("description", "").strip()
    if assignee is None or due is None or not description:
        # Check the person first: a refused reader learns nothing, even from an error.
        queries.check_person(by, item.person, attempted="casework.assign_action")
        messages.error(request, "To assign an action give what, who and by when.")
        return redirect("mdt-meeting", meeting_id=m.pk)
    actions.assign_action(
        person=item.person, description=description, assignee=assignee, due=due, by=by, meeting=m
    )
    messages.success(request, f"Action assigned to {assignee.user.get_username()}.")
    return redirect("mdt-meeting", meeting_id=m.pk)


@login_required
@require_GET
def my_actions(request):
    """Every action assigned to me across teams, and overdue actions for people I
    coordinate (withheld for people I may not see)."""
    by = actor_for_user(request.user)
    return render(request, "casework/my_actions.html", {"lists": agenda.my_actions(by=by)})


@login_required
@require_POST
def complete_action(request, action_id: int):
    by = actor_for_user(request.user)
    try:
        action = agenda.action_for(action_id, by=by)
    except PermissionDenied:
        raise Http404("No such action") from None
    actions.complete_action(action=action, note=request.POST.get("note", ""), by=by)
    messages.success(request, "Action completed.")
    return redirect("mdt-my-actions")
