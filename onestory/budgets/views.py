"""Budget pages: the coordinator's budget for one person, the who-pays calculator with its
chart, and the person's own "My budget". Views parse the form, call the audited actions
and queries, and render."""

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission, require
from onestory.budgets import actions, queries
from onestory.budgets.domain import ledger
from onestory.budgets.domain.money import format_pounds, pence_to_pounds, pounds_to_pence
from onestory.budgets.domain.rates import PENSION_CREDIT_AGE
from onestory.budgets.domain.scenarios import (
    CAP2021,
    CURRENT,
    FLOOR2017,
    SCENARIO_LABELS,
    Situation,
    project_all,
)
from onestory.budgets.models import (
    BudgetLine,
    BudgetStream,
    DirectPaymentReturn,
    HeldAs,
    StreamKind,
)
from onestory.forms import read_date
from onestory.people.models import Person
from onestory.portal.views import _portal, person_required
from onestory.web import BadParameter, parse_int


def _person(person_id) -> Person:
    return get_object_or_404(Person, external_id=person_id)


def _pence(value: str, field: str) -> int:
    try:
        pence = pounds_to_pence(value or "")
    except ValueError:
        raise ValidationError(f"Enter {field} in pounds, like 125.50") from None
    if pence < 0:
        raise ValidationError(f"{field.capitalize()} cannot be negative")
    return pence


def _date(post, name: str, field: str) -> date:
    """A date from the three-box NHS date input; the error names the field."""
    return read_date(post, name, label=field, required=True)  # required: never None


@login_required
@require_GET
def budget_page(request, person_id):
    """The person's budgets with streams, lines tied to plan goals, the ledger and alerts."""
    by = actor_for_user(request.user, "page")
    person = _person(person_id)
    try:
        budgets = queries.budgets_for(person, by=by)
    except PermissionDenied:
        return render(request, "budgets/no_access.html", {"person": person}, status=403)
    from onestory.planning.queries import person_name

    table = queries.allocation_table_for(by.organisation)
    context = {
        "person": person,
        # Named only once access is decided, as on the plan page.
        "name": person_name(person),
        "budgets": budgets,
        "indicative": queries.indicative_budgets_for(person, by=by),
        "agreements": queries.deferred_payments_for(person, by=by),
        "goals": queries.plan_goals(person),
        "table": table,
        "stream_kinds": StreamKind.choices,
        "held_as": HeldAs.choices,
        "can_manage": has_permission(by, Permission.MANAGE_BUDGETS),
        "error": request.session.pop("budget_error", ""),
        "done": request.session.pop("budget_done", ""),
    }
    return render(request, "budgets/budget.html", context)


@login_required
@require_POST
def budget_action(request, person_id):
    """One POST endpoint per person; `action` names the audited action to run."""
    by = actor_for_user(request.user, "page")
    person = _person(person_id)
    post = request.POST
    upload = request.FILES.get("statement_file")
    if upload is not None:
        # A direct-payment statement uploaded as a CSV file.
        post = post.copy()
        post["statement"] = upload.read(1_000_000).decode("utf-8-sig", errors="replace")
    handler = _HANDLERS.get(post.get("action", ""))
    if handler is None:
        raise Http404("Unknown budget action")
    try:
        message = handler(post, person, by)
    except ValidationError as error:
        request.session["budget_error"] = " ".join(error.messages)
    except BadParameter as error:
        request.session["budget_error"] = str(error)
    else:
        request.session["budget_done"] = message
    return redirect(reverse("person-budget", args=[person.external_id]))


def _stream(post, person) -> BudgetStream:
    return get_object_or_404(BudgetStream, external_id=post.get("stream"), budget__person=person)


def _do_indicative(post, person, by) -> str:
    table = queries.allocation_table_for(by.organisation)
    answers = {}
    for need in table.domains:
        value = post.get(f"need_{need.code}", "")
        if value.strip():
            answers[need.code] = parse_int(value, need.label, maximum=len(need.levels) - 1)
    try:
        row = actions.calculate_indicative_budget(person=person, answers=answers, by=by)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    return f"Indicative budget: {format_pounds(row.weekly_pence)} a week."


def _do_create(post, person, by) -> str:
    indicative = None
    if post.get("indicative"):
        indicative = next(
            (
                i
                for i in queries.indicative_budgets_for(person, by=by)
                if str(i.external_id) == post["indicative"]
            ),
            None,
        )
    actions.create_budget(
        person=person,
        period_start=_date(post, "period_start", "the start date"),
        period_end=_date(post, "period_end", "the end date"),
        indicative=indicative,
        by=by,
    )
    return "Budget created."


def _do_stream(post, person, by) -> str:
    from onestory.budgets.models import Budget

    budget = get_object_or_404(Budget, external_id=post.get("budget"), person=person)
    stream = actions.add_stream(
        budget=budget,
        kind=post.get("kind", ""),
        held_as=post.get("held_as", ""),
        allocated_pence=_pence(post.get("allocated", ""), "the allocation"),
        funder=post.get("funder", ""),
        rules=post.get("rules", ""),
        managed_by=post.get("managed_by", ""),
        by=by,
    )
    return f"Added the {stream.get_kind_display()} stream."


def _do_line(post, person, by) -> str:
    stream = _stream(post, person)
    goals = dict(queries.plan_goals(person))
    goal_ref = post.get("goal", "")
    if goal_ref and goal_ref not in goals:
        raise ValidationError("Choose one of the goals in the person's plan.")
    actions.add_line(
        stream=stream,
        description=post.get("description", ""),
        planned_pence=_pence(post.get("planned", ""), "the planned amount"),
        goal_ref=goal_ref,
        goal_text=goals.get(goal_ref, ""),
        by=by,
    )
    return "Added the budget line."


def _do_spend(post, person, by) -> str:
    stream = _stream(post, person)
    line = None
    if post.get("line"):
        line = get_object_or_404(BudgetLine, pk=parse_int(post["line"], "line"), stream=stream)
    actions.record_spend(
        stream=stream,
        kind=post.get("kind", ""),
        amount_pence=_pence(post.get("amount", ""), "the amount"),
        on=_date(post, "on", "the date"),
        description=post.get("description", ""),
        line=line,
        by=by,
    )
    return "Spend recorded."


def _do_return(post, person, by) -> str:
    stream = _stream(post, person)
    upload = post.get("statement", "")
    dp_return = actions.receive_direct_payment_return(
        stream=stream,
        statement_csv=upload,
        period_start=_date(post, "period_start", "the start date"),
        period_end=_date(post, "period_end", "the end date"),
        opening_balance_pence=_pence(post.get("opening", "0"), "the opening balance"),
        threshold_pence=_pence(post.get("threshold", "0"), "the threshold"),
        by=by,
    )
    return (
        f"Return reconciled: closing balance {format_pounds(dp_return.closing_balance_pence)}, "
        f"proposed clawback {format_pounds(dp_return.proposed_clawback_pence)}."
    )


def _do_decide(post, person, by) -> str:
    dp_return = get_object_or_404(
        DirectPaymentReturn,
        pk=parse_int(post.get("dp_return", ""), "return"),
        stream__budget__person=person,
    )
    decided = actions.decide_direct_payment_return(
        dp_return=dp_return,
        clawback_pence=_pence(post.get("clawback", "0"), "the clawback"),
        reason=post.get("reason", ""),
        by=by,
    )
    return f"Decision recorded: {decided.get_decision_display()}."


def _do_deferred(post, person, by) -> str:
    try:
        rate = Decimal(post.get("rate", "")) / 100
    except InvalidOperation:
        raise ValidationError("Enter the interest rate as a percentage, like 4.15") from None
    agreement = actions.create_deferred_payment_agreement(
        person=person,
        start=_date(post, "start", "the start date"),
        property_value_pence=_pence(post.get("property", ""), "the home's value"),
        weekly_deferred_pence=_pence(post.get("weekly", ""), "the weekly amount"),
        annual_interest_rate=rate,
        by=by,
    )
    return (
        f"Deferred payment agreement: equity limit {format_pounds(agreement.equity_limit_pence)}."
    )


_HANDLERS = {
    "indicative": _do_indicative,
    "create": _do_create,
    "stream": _do_stream,
    "line": _do_line,
    "spend": _do_spend,
    "return": _do_return,
    "decide": _do_decide,
    "deferred": _do_deferred,
}


# ---------------------------------------------------------------------------- who pays

WHO_PAYS_FIELDS = ("capital", "property", "weekly_income", "weekly_cost")


@login_required
@require_http_methods(["GET"])
def who_pays(request):
    """Three scenarios side by side for one person's figures (typed in, never stored).
    Public policy with no personal data: for every role with USE_WHO_PAYS."""
    require(actor_for_user(request.user, "page"), Permission.USE_WHO_PAYS)
    values = {f: request.GET.get(f, "") for f in WHO_PAYS_FIELDS}
    values.update(
        setting=request.GET.get("setting", "care_home"),
        age=request.GET.get("age", str(PENSION_CREDIT_AGE)),
        weeks=request.GET.get("weeks", "260"),
        partner_in_home=bool(request.GET.get("partner_in_home")),
    )
    context: dict = {"values": values, "labels": SCENARIO_LABELS, "error": ""}
    if all(values[f] for f in WHO_PAYS_FIELDS):
        try:
            situation = Situation(
                capital=_pence(values["capital"], "capital"),
                property=_pence(values["property"], "the home's value"),
                weekly_income=_pence(values["weekly_income"], "weekly income"),
                weekly_cost=_pence(values["weekly_cost"], "the weekly cost"),
                setting=values["setting"],
                age=parse_int(values["age"], "Age", minimum=18, maximum=130),
                partner_in_home=values["partner_in_home"],
            )
            weeks = parse_int(values["weeks"], "Weeks", minimum=1, maximum=1040)
        except (ValidationError, ValueError, BadParameter) as error:
            context["error"] = " ".join(getattr(error, "messages", [str(error)]))
        else:
            projections = project_all(situation, weeks)
            context["results"] = [
                {
                    "name": name,
                    "label": SCENARIO_LABELS[name],
                    "person_total": p.person_total,
                    "council_total": p.council_total,
                    "capital_left": p.capital_left,
                    "limit_reached_week": p.limit_reached_week,
                    "cap_reached_week": p.cap_reached_week,
                }
                for name, p in projections.items()
            ]
            context["chart"] = _chart(projections)
    return render(request, "budgets/who_pays.html", context)


# One colour and one dash per policy, the same in both panels, so that the lines can be told
# apart without colour (dash) and without the dash (colour). NHS palette, of different
# lightness so the three stay apart for the common colour-vision deficiencies: NHS blue
# (dark), NHS aqua green (middle), NHS orange (light). The dotted line is drawn last and
# widest, so it shows even where it runs along another policy's line.
SCENARIO_STYLES = {
    CURRENT: {"color": "#005eb8", "dash": "solid", "width": 3},
    CAP2021: {"color": "#ed8b00", "dash": "dash", "width": 3},
    FLOOR2017: {"color": "#00a499", "dash": "dot", "width": 5},
}


def _chart(projections) -> dict:
    """Plotly figure: cumulative person payments (left) and capital left (right), one line
    per scenario in its own colour and dash; one legend entry per scenario, above the
    panels so it never covers an axis title."""
    traces = []
    for name, p in projections.items():
        weeks = [w.week for w in p.weeks]
        running, cumulative = 0, []
        for w in p.weeks:
            running += w.person
            cumulative.append(float(pence_to_pounds(running)))
        line = SCENARIO_STYLES.get(name, {"color": "#4c6272", "dash": "solid", "width": 3})
        common = {"mode": "lines", "line": line, "legendgroup": name}
        traces.append(
            {
                **common,
                "x": weeks,
                "y": cumulative,
                "name": SCENARIO_LABELS[name],
                "xaxis": "x",
                "yaxis": "y",
                "hovertemplate": "Week %{x}: £%{y:,.0f} paid<extra>%{fullData.name}</extra>",
            }
        )
        traces.append(
            {
                **common,
                "x": weeks,
                "y": [float(pence_to_pounds(w.capital)) for w in p.weeks],
                "name": SCENARIO_LABELS[name],
                "showlegend": False,
                "xaxis": "x2",
                "yaxis": "y2",
                "hovertemplate": "Week %{x}: £%{y:,.0f} left<extra>%{fullData.name}</extra>",
            }
        )
    money = {"tickprefix": "£", "tickformat": ",.0f", "rangemode": "tozero", "automargin": True}
    return {
        "data": traces,
        "layout": {
            # Two panels with room between them for the right panel's axis labels.
            "xaxis": {"title": {"text": "Week"}, "domain": [0, 0.4]},
            "yaxis": {"title": {"text": "Paid by the person so far"}, **money},
            "xaxis2": {"title": {"text": "Week"}, "domain": [0.6, 1], "anchor": "y2"},
            "yaxis2": {"title": {"text": "Capital left"}, "anchor": "x2", **money},
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
            },
            "margin": {"t": 60, "b": 60, "l": 20, "r": 20},
            "font": {"family": "Arial, sans-serif", "size": 14},
        },
    }


_PLOTLY_JS = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"


@cache_control(max_age=86400, public=True)
@require_GET
def plotly_js(request):
    """plotly.min.js from the installed Plotly wheel: served by OneStory, never a CDN."""
    return FileResponse(_PLOTLY_JS.open("rb"), content_type="text/javascript")


# ---------------------------------------------------------------------------- the person


@person_required
@require_GET
def my_budget(request, person, by):
    """The person's own budget: what is left in each stream and what it paid for."""
    budgets = queries.budgets_for(person, by=by)
    return render(
        request,
        "budgets/my_budget.html",
        {"budgets": budgets, "spend_kinds": ledger.SPEND_KINDS, **_portal(request)},
    )
