"""Pages for privacy leads (the break-glass review queue) and administrators (staff, roles
and organisations). Views stay thin: they parse the form, call the queries and actions in
`onestory.access`, and render; every permission is checked there."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from onestory.access import actions, queries
from onestory.access.domain.roles import ROLES, Permission
from onestory.access.policy import actor_for_user, require

REVIEW_OUTCOMES = ("appropriate", "inappropriate")


def _queue_context(request, by, **extra) -> dict:
    grants = queries.break_glass_queue(by=by, include_reviewed=True)
    return {
        "waiting": [g for g in grants if g.reviewed_at is None],
        "reviewed": [g for g in grants if g.reviewed_at is not None],
        "done": request.GET.get("done") == "1" and "Your review has been recorded.",
        "errors": {},
        **extra,
    }


@login_required
@require_GET
def break_glass_queue(request):
    """Break-glass access by staff of the privacy lead's organisation, waiting and reviewed."""
    by = actor_for_user(request.user, "page")
    return render(request, "access/break_glass_queue.html", _queue_context(request, by))


@login_required
@require_POST
def break_glass_review(request, grant_id: int):
    by = actor_for_user(request.user, "page")
    grant = queries.grant_to_review(grant_id, by=by)
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "")
    if outcome not in REVIEW_OUTCOMES:
        context = _queue_context(
            request,
            by,
            errors={"outcome": "Select whether the access was appropriate"},
            error_grant=grant_id,
        )
        return render(request, "access/break_glass_queue.html", context, status=400)
    try:
        actions.review_break_glass(grant=grant, outcome=outcome, note=note, by=by)
    except ValueError as exc:
        context = _queue_context(request, by, errors={"outcome": str(exc)}, error_grant=grant_id)
        return render(request, "access/break_glass_queue.html", context, status=400)
    return redirect(reverse("break-glass-queue") + "?done=1")


def _staff_context(by, **extra) -> dict:
    return {
        "staff": queries.staff_list(by=by),
        "organisations": queries.organisations(by=by),
        "roles": [(code, role.label) for code, role in ROLES.items()],
        "errors": {},
        "values": {},
        "done": "",
        **extra,
    }


@login_required
@require_GET
def staff_list(request):
    """Every member of staff with their role and organisation; forms to change them and to
    create an account."""
    by = actor_for_user(request.user, "page")
    done = {
        "created": "The staff account has been created.",
        "assigned": "The role has been saved.",
    }
    context = _staff_context(by, done=done.get(request.GET.get("done", ""), ""))
    return render(request, "access/staff.html", context)


@login_required
@require_POST
def staff_create(request):
    by = actor_for_user(request.user, "page")
    require(by, Permission.ASSIGN_ROLES)
    values = {
        k: request.POST.get(k, "").strip()
        for k in ("username", "role", "organisation", "job_title")
    }
    password = request.POST.get("password", "")
    errors = {}
    if not values["username"]:
        errors["username"] = "Enter a username"
    if values["role"] not in ROLES:
        errors["role"] = "Choose a role from the list"
    if not password:
        errors["password"] = "Enter a password for them"
    org = None
    try:
        org = queries.organisation(values["organisation"], by=by)
    except ValueError as exc:
        errors["organisation"] = str(exc)
    if not errors:
        try:
            actions.create_staff_member(
                username=values["username"],
                password=password,
                organisation=org,
                role=values["role"],
                job_title=values["job_title"],
                by=by,
            )
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
        except ValueError as exc:
            errors["username"] = str(exc)
    if errors:
        context = _staff_context(by, errors=errors, values=values)
        return render(request, "access/staff.html", context, status=400)
    return redirect(reverse("staff-list") + "?done=created")


@login_required
@require_POST
def staff_assign(request, staff_id: int):
    """Give a member of staff a role in an organisation (`assign_role`)."""
    by = actor_for_user(request.user, "page")
    staff = queries.staff_member(staff_id, by=by)
    errors = {}
    try:
        org = queries.organisation(request.POST.get("organisation", ""), by=by)
        actions.assign_role(staff=staff, role=request.POST.get("role", ""), organisation=org, by=by)
    except ValueError as exc:
        errors[f"role-{staff_id}"] = str(exc)
    if errors:
        return render(request, "access/staff.html", _staff_context(by, errors=errors), status=400)
    return redirect(reverse("staff-list") + "?done=assigned")
