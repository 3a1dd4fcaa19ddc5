"""Care-plan pages for staff. Views stay thin: they parse the form, call one action or
query and redirect or render; access and provenance rules live in the actions, queries and
the domain. Refusals show the same no-access page as the record."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from onestory.access.policy import actor_for_user
from onestory.forms import read_date
from onestory.planning import actions, queries
from onestory.planning.domain.sections import sections_for
from onestory.planning.models import Plan, PlanKind, Progress
from onestory.web import BadParameter, int_list_param, int_param


def _kind(request) -> str:
    kind = request.GET.get("kind") or request.POST.get("kind") or PlanKind.PERSON
    return kind if kind in PlanKind.values else PlanKind.PERSON


def _plan_url(person_id, kind: str = PlanKind.PERSON) -> str:
    url = reverse("plan", args=[person_id])
    return url + ("?kind=carer" if kind == PlanKind.CARER else "")


def _plan_or_none(person_id, kind) -> Plan | None:
    return Plan.objects.filter(person__external_id=person_id, kind=kind).first()


def _error(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))


def _date(data, name: str, label: str, *, required: bool = False) -> date | None:
    """A date from the three-box NHS date input; the error names the field."""
    return read_date(data, name, label=label, required=required)


@login_required
@require_GET
def plan(request, person_id):
    """The whole plan: every statement marked with whose words it is, goals, reviews,
    versions, and forms to propose, add goals and record reviews."""
    by = actor_for_user(request.user, "page")
    kind = _kind(request)
    try:
        page = queries.get_plan(person_id, by=by, kind=kind)
    except PermissionDenied:
        return render(request, "planning/no_access.html", {"person_id": person_id}, status=403)
    services = queries.linkable_services(page.person, by=by) if page.plan else []
    versions = page.versions
    return render(
        request,
        "planning/plan.html",
        {
            "page": page,
            "person_id": person_id,
            "kind": kind,
            "sections": sections_for(kind),
            "services": services,
            "progress_choices": Progress.choices,
            "compare_a": versions[1].number if len(versions) > 1 else None,
            "compare_b": versions[0].number if versions else None,
            "plan_url": _plan_url(person_id, kind),
        },
    )


def _post(view):
    """POST handlers: run one action, show its error, and go back to the plan."""

    @login_required
    @require_POST
    def wrapped(request, person_id, **kwargs):
        by = actor_for_user(request.user, "page")
        kind = _kind(request)
        try:
            view(request, by, person_id, kind, **kwargs)
        except PermissionDenied:
            return render(request, "planning/no_access.html", {"person_id": person_id}, status=403)
        except (ValidationError, BadParameter) as exc:
            _error(request, exc)
        return redirect(_plan_url(person_id, kind))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _existing(person_id, kind) -> Plan:
    p = _plan_or_none(person_id, kind)
    if p is None:
        raise ValidationError("Start the plan first.")
    return p


@_post
def start(request, by, person_id, kind):
    """Start the person's plan (a carer's plan names the person cared for)."""
    from onestory.access.queries import person_by_external_id

    person = person_by_external_id(person_id)
    cares_for = None
    if kind == PlanKind.CARER:
        cared = request.POST.get("cares_for", "").strip()
        cares_for = Plan.objects.filter(
            person__external_id=cared or None, kind=PlanKind.PERSON
        ).first()
    actions.create_plan(person, kind=kind, cares_for=cares_for, by=by)


@_post
def propose(request, by, person_id, kind):
    """Propose a statement: a draft until the person confirms it."""
    actions.propose_statement(
        _existing(person_id, kind),
        request.POST.get("section", ""),
        request.POST.get("text", ""),
        by=by,
    )
    messages.success(
        request,
        "Statement saved as a draft. It will show as the person's words only once they confirm it.",
    )


@_post
def edit(request, by, person_id, kind, statement_id):
    """New words for a statement (a draft again, if it was confirmed)."""
    statement = queries.get_statement(_existing(person_id, kind), statement_id)
    actions.edit_statement(statement, request.POST.get("text", ""), by=by)


@_post
def add_goal(request, by, person_id, kind):
    """A goal with who helps, by when and the services serving it."""
    actions.add_goal(
        _existing(person_id, kind),
        request.POST.get("text", ""),
        who_helps=request.POST.get("who_helps", ""),
        by_when=_date(request.POST, "by_when", "By when"),
        services=int_list_param(request, "services", minimum=1),
        budget_line=request.POST.get("budget_line", ""),
        by=by,
    )


@_post
def review(request, by, person_id, kind):
    """A review: progress on each goal and the next review date."""
    p = _existing(person_id, kind)
    held_on = _date(request.POST, "held_on", "The review date") or date.today()
    next_on = _date(request.POST, "next_review_on", "The date of the next review", required=True)
    progress = []
    for goal in p.goals.all():
        state = request.POST.get(f"progress:{goal.external_id}", "")
        if state:
            progress.append(
                (
                    goal,
                    state,
                    request.POST.get(f"person_words:{goal.external_id}", ""),
                    request.POST.get(f"professional_words:{goal.external_id}", ""),
                )
            )
    actions.record_review(p, held_on=held_on, next_review_on=next_on, progress=progress, by=by)


@_post
def restore(request, by, person_id, kind):
    """Bring back an earlier version's words (as drafts, when staff restore)."""
    number = int_param(request, "version", minimum=1, source="POST")
    if number is None:
        raise ValidationError("Choose a version to restore.")
    actions.restore_version(_existing(person_id, kind), number, by=by)


@_post
def coordinate(request, by, person_id, kind):
    """The signed-in member of staff becomes the plan's care coordinator."""
    actions.set_coordinator(_existing(person_id, kind), request.user.staff, by=by)


@login_required
@require_GET
def compare(request, person_id):
    """What changed between two versions."""
    by = actor_for_user(request.user, "page")
    a, b = int_param(request, "a", minimum=1), int_param(request, "b", minimum=1)
    if a is None or b is None:
        return redirect("plan", person_id=person_id)
    try:
        page, diff = queries.compare_versions(person_id, a, b, by=by)
    except PermissionDenied:
        return render(request, "planning/no_access.html", {"person_id": person_id}, status=403)
    return render(
        request,
        "planning/compare.html",
        {"page": page, "diff": diff, "a": min(a, b), "b": max(a, b), "person_id": person_id},
    )


@login_required
@require_GET
def printable(request, person_id):
    """The plan on one printable page."""
    by = actor_for_user(request.user, "page")
    try:
        page = queries.get_plan(person_id, by=by, kind=_kind(request))
    except PermissionDenied:
        return render(request, "planning/no_access.html", {"person_id": person_id}, status=403)
    return render(request, "planning/print.html", {"page": page})


@login_required
@require_GET
def pdf(request, person_id):
    """The plan as a PDF the person can keep."""
    from onestory.planning.export import plan_pdf

    by = actor_for_user(request.user, "page")
    try:
        page = queries.get_plan(person_id, by=by, kind=_kind(request))
    except PermissionDenied:
        return render(request, "planning/no_access.html", {"person_id": person_id}, status=403)
    response = HttpResponse(plan_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="care-and-support-plan.pdf"'
    return response


@login_required
@require_GET
def fhir(request, person_id):
    """The plan as a FHIR R4B Bundle: CarePlan, Goals, CareTeam, Provenance."""
    from onestory.planning.export import plan_bundle

    by = actor_for_user(request.user, "api")
    try:
        page = queries.get_plan(person_id, by=by, kind=_kind(request))
    except PermissionDenied:
        return JsonResponse({"detail": "You do not have access to this person's plan."}, status=403)
    return JsonResponse(plan_bundle(page), content_type="application/fhir+json")


@login_required
@require_GET
def overdue(request):
    """The coordinator's list: plans they coordinate whose review is overdue."""
    by = actor_for_user(request.user, "page")
    return render(request, "planning/overdue.html", {"overdue": queries.overdue_reviews(by=by)})


@login_required
@require_GET
def report(request):
    """Share of statements in people's own words, across every plan (aggregates only)."""
    by = actor_for_user(request.user, "page")
    report = queries.own_words_report(by=by)
    return render(request, "planning/report.html", {"report": report, "shown": _shown(report)})


def _shown(report) -> dict:
    """The report's counts as shown to commissioners: a count from 1 to 7 as "fewer than 8";
    where one of own words, representative and drafts is hidden, the smallest other is
    hidden too (their total is shown), and the percentage goes with its count."""
    from onestory.commissioning.domain import suppression as s

    share = report.share
    own, behalf, drafts = s.suppress_counts([share.own_words, share.on_behalf, share.drafts])

    def cell(value, original):
        if value is not None:
            return f"{value:,}"
        return (
            s.LABEL
            if s.is_small(original)
            else "not shown, so that a smaller count cannot be worked out"
        )

    return {
        "threshold": s.THRESHOLD,
        "plans": s.show(report.plans),
        "carer_plans": s.show(report.carer_plans),
        "statements": s.show(share.total),
        "own_words": cell(own, share.own_words),
        "percent_own_words": None if own is None else share.percent_own_words,
        "on_behalf": cell(behalf, share.on_behalf),
        "drafts": cell(drafts, share.drafts),
        "plans_with_any_own_words": s.show(report.plans_with_any_own_words),
    }
