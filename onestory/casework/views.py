"""MDT pages: thin views over `casework.queries` (checked, audited reads) and
`casework.actions` (the one way each change is made)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, require
from onestory.casework import actions, queries
from onestory.casework.domain.efi import FIT, MILD, MODERATE, SEVERE
from onestory.casework.models import AgendaItem, CaseloadEntry
from onestory.forms import read_date

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
def worklist(request):
    """People by risk of an emergency admission, filterable, each with the reasons."""
    by = actor_for_user(request.user)
    filters = {
        "practice_code": request.GET.get("practice", ""),
        "neighbourhood": request.GET.get("neighbourhood", ""),
        "category": request.GET.get("category", "")
        if request.GET.get("category") in CATEGORIES
        else "",
        "min_risk": _float(request.GET.get("min_risk", "")),
    }
    result = queries.worklist(by=by, **filters)
    return render(
        request,
        "casework/worklist.html",
        {
            "worklist": result,
            "filters": filters,
            "categories": CATEGORIES,
            "min_risk": request.GET.get("min_risk", ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def take_on(request, person_id):
    """Take a person onto the MDT caseload with a named care coordinator."""
    by = actor_for_user(request.user)
    require(by, Permission.LEAD_MDT)
    person = queries.person_by_external_id(person_id)
    named = queries.names_for([person.pk]).get(person.pk)
    errors = {}
    if request.method == "POST":
        coordinator = queries.coordinators().filter(pk=request.POST.get("coordinator") or 0).first()
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
    return render(request, "casework/caseload.html", {"entries": queries.caseload(by=by)})


@login_required
@require_POST
def end_caseload(request, entry_id: int):
    by = actor_for_user(request.user)
    entry = CaseloadEntry.objects.filter(pk=entry_id, ended_at__isnull=True).first()
    if entry is None:
        raise Http404("No such caseload entry")
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


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request, meeting_id: int):
    """The meeting: each person's summary on one screen; POST records the discussion of
    one item, or marks the meeting held."""
    by = actor_for_user(request.user)
    m, entries = queries.meeting(meeting_id, by=by)
    if request.method == "POST":
        if "held" in request.POST:
            actions.mark_meeting_held(meeting=m, by=by)
            messages.success(request, "Meeting marked as held.")
        else:
            item = AgendaItem.objects.filter(meeting=m, pk=request.POST.get("item") or 0).first()
            if item is None:
                raise Http404("No such agenda item")
            actions.record_discussion(
                item=item, discussion=request.POST.get("discussion", ""), by=by
            )
            messages.success(request, "Discussion recorded.")
        return redirect("mdt-meeting", meeting_id=m.pk)
    return render(
        request,
        "casework/meeting.html",
        {"meeting": m, "entries": entries, "staff": queries.coordinators()},
    )


@login_required
@require_POST
def assign_action(request, meeting_id: int):
    by = actor_for_user(request.user)
    m, entries = queries.meeting(meeting_id, by=by)
    item = next((e.item for e in entries if str(e.item.pk) == request.POST.get("item")), None)
    assignee = queries.coordinators().filter(pk=request.POST.get("assignee") or 0).first()
    try:
        due = _date(request.POST, "due", "The due date")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("mdt-meeting", meeting_id=m.pk)
    description = request.POST.get("description", "").strip()
    if item is None or assignee is None or due is None or not description:
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
    coordinate."""
    by = actor_for_user(request.user)
    return render(request, "casework/my_actions.html", {"lists": queries.my_actions(by=by)})


@login_required
@require_POST
def complete_action(request, action_id: int):
    by = actor_for_user(request.user)
    try:
        action = queries.action_for(action_id, by=by)
    except PermissionDenied:
        raise Http404("No such action") from None
    actions.complete_action(action=action, note=request.POST.get("note", ""), by=by)
    messages.success(request, "Action completed.")
    return redirect("mdt-my-actions")
