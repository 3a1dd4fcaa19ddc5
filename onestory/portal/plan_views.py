"""The person's own care and support plan ("My plan"): they read it, write in their own
words, confirm a professional's draft as theirs or rewrite it. Same actions and queries as
staff use; the person's (or representative's) actor makes their writing their own."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from onestory.planning import actions as plan_actions
from onestory.planning import queries as plan_queries
from onestory.planning.domain.sections import sections_for
from onestory.planning.models import Plan, PlanKind
from onestory.portal.views import _portal, person_required


def _my_plan(person, by) -> Plan:
    plan = Plan.objects.filter(person=person, kind=PlanKind.PERSON).first()
    return plan or plan_actions.create_plan(person, by=by)


@person_required
@require_GET
def my_plan(request, person, by):
    """The person's plan, every statement marked with whose words it is."""
    page = plan_queries.get_plan(person, by=by, you=True)
    return render(
        request,
        "portal/plan.html",
        {"page": page, "sections": sections_for("person"), **_portal(request)},
    )


def _done(request, message: str):
    messages.success(request, message)
    return redirect("portal-plan")


@person_required
@require_POST
def write(request, person, by):
    """Something new in the person's own words."""
    try:
        plan_actions.propose_statement(
            _my_plan(person, by),
            request.POST.get("section", ""),
            request.POST.get("text", ""),
            by=by,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal-plan")
    return _done(request, "Added to your plan, in your own words.")


@person_required
@require_POST
def confirm(request, person, by, statement_id):
    """ "Yes, these are my words"."""
    statement = plan_queries.get_statement(_my_plan(person, by), statement_id)
    plan_actions.confirm_statement(statement, by=by)
    return _done(request, "Confirmed: this now shows as your own words.")


@person_required
@require_POST
def rewrite(request, person, by, statement_id):
    """The person's own words in place of a draft (or of their earlier words)."""
    statement = plan_queries.get_statement(_my_plan(person, by), statement_id)
    try:
        plan_actions.edit_statement(statement, request.POST.get("text", ""), by=by)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal-plan")
    return _done(request, "Saved in your own words.")


@person_required
@require_GET
def my_plan_pdf(request, person, by):
    """The person's plan as a PDF to keep."""
    from onestory.planning.export import plan_pdf

    page = plan_queries.get_plan(person, by=by)
    response = HttpResponse(plan_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="my-care-and-support-plan.pdf"'
    return response
