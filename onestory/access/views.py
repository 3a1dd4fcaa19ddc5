"""Pages for privacy leads (the break-glass review queue) and administrators (staff, roles
and organisations). Views stay thin: they parse the form, call the queries and actions in
`onestory.access`, and render; every permission is checked there."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access import actions, queries
from onestory.access.domain.roles import ROLES, Permission
from onestory.access.policy import actor_for_user, require

REVIEW_OUTCOMES = ("appropriate", "inappropriate")
JOIN_OUTCOMES = ("approved", "refused")


def _queue_context(request, by, **extra) -> dict:
    grants = queries.break_glass_queue(by=by, include_reviewed=True)
    joins = queries.join_request_queue(by=by, include_reviewed=True)
    waiting = [g for g in grants if g.reviewed_at is None]
    joins_waiting = [r for r in joins if r.reviewed_at is None]
    return {
        "waiting": waiting,
        "reviewed": [g for g in grants if g.reviewed_at is not None],
        "joins_waiting": joins_waiting,
        "joins_reviewed": [r for r in joins if r.reviewed_at is not None],
        "overdue": sum(1 for i in waiting + joins_waiting if i.overdue),
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
        field = "note" if "from the note" in str(exc) else "outcome"
        context = _queue_context(request, by, errors={field: str(exc)}, error_grant=grant_id)
        return render(request, "access/break_glass_queue.html", context, status=400)
    return redirect(reverse("break-glass-queue") + "?done=1")


@login_required
@require_POST
def join_request_review(request, request_id: int):
    """Approve or refuse a care-team join that had no basis the system could check."""
    by = actor_for_user(request.user, "page")
    join = queries.join_request_to_review(request_id, by=by)
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "")
    error = ""
    field = "join-outcome"
    if outcome not in JOIN_OUTCOMES:
        error = "Select whether to approve or refuse the request"
    else:
        try:
            actions.review_join_request(request=join, outcome=outcome, note=note, by=by)
        except (ValueError, PermissionDenied) as exc:
            error = str(exc)
            field = "join-note" if "from the note" in error else field
    if error:
        context = _queue_context(request, by, errors={field: error}, error_join=request_id)
        return render(request, "access/break_glass_queue.html", context, status=400)
    return redirect(reverse("break-glass-queue") + "?done=1")


@login_required
@require_GET
def join_request_status(request, request_id: int):
    """What someone sees after asking to join a care team without a checkable basis."""
    by = actor_for_user(request.user, "page")
    join = queries.own_join_request(request_id, by=by)
    return render(request, "access/join_request.html", {"join": join})


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


STAFF_DONE = {
    "created": "The staff account has been created.",
    "assigned": "The role has been saved.",
    "disabled": "The account has been disabled: they can no longer sign in.",
    "enabled": "The account has been turned back on.",
    "password": "The new password has been set. Give it to them in person.",
}
STAFF_FIELDS = ("username", "first_name", "last_name", "job_title", "role", "organisation")


@login_required
@require_GET
def staff_list(request):
    """Every member of staff with their role and organisation; forms to change them, to
    disable an account or reset its password, and to create an account."""
    by = actor_for_user(request.user, "page")
    context = _staff_context(by, done=STAFF_DONE.get(request.GET.get("done", ""), ""))
    return render(request, "access/staff.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    """The form for a new staff account (GET), and creating it (POST)."""
    by = actor_for_user(request.user, "page")
    require(by, Permission.ASSIGN_ROLES)
    if request.method == "GET":
        return render(request, "access/staff_new.html", _staff_context(by))
    values = {k: request.POST.get(k, "").strip() for k in STAFF_FIELDS}
    password = request.POST.get("password", "")
    errors = {}
    if not values["username"]:
        errors["username"] = "Enter a username"
    if not values["first_name"]:
        errors["first_name"] = "Enter their first name"
    if not values["last_name"]:
        errors["last_name"] = "Enter their last name"
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
                first_name=values["first_name"],
                last_name=values["last_name"],
                by=by,
            )
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
        except ValueError as exc:
            errors["username"] = str(exc)
    if errors:
        context = _staff_context(by, errors=errors, values=values)
        return render(request, "access/staff_new.html", context, status=400)
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


@login_required
@require_POST
def staff_active(request, staff_id: int):
    """Disable a member of staff's sign-in, or turn it back on."""
    by = actor_for_user(request.user, "page")
    staff = queries.staff_member(staff_id, by=by)
    enabled = request.POST.get("enabled") == "yes"
    try:
        actions.disable_staff_account(staff=staff, enabled=enabled, by=by)
    except ValueError as exc:
        context = _staff_context(by, errors={f"active-{staff_id}": str(exc)})
        return render(request, "access/staff.html", context, status=400)
    return redirect(reverse("staff-list") + ("?done=enabled" if enabled else "?done=disabled"))


@login_required
@require_http_methods(["GET", "POST"])
def staff_password(request, staff_id: int):
    """Set a new password for a member of staff (which also unlocks a locked account)."""
    by = actor_for_user(request.user, "page")
    staff = queries.staff_member(staff_id, by=by)
    context = {"member": staff, "errors": {}}
    if request.method == "GET":
        return render(request, "access/staff_password.html", context)
    password = request.POST.get("password", "")
    error = "" if password else "Enter the new password"
    if not error:
        try:
            actions.reset_staff_password(staff=staff, password=password, by=by)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except ValueError as exc:
            error = str(exc)
    if error:
        context["errors"] = {"password": error}
        return render(request, "access/staff_password.html", context, status=400)
    return redirect(reverse("staff-list") + "?done=password")
