"""Pages of the initiative register: search, an initiative, add and edit, evaluate (with
guidance on comparators), a run's report (page and PDF), lived experience, and entering a
returned survey. Thin: they parse the form and call `actions` and `queries`."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission, require
from onestory.budgets.domain.money import format_pounds, pounds_to_pence
from onestory.commissioning.domain.suppression import THRESHOLD, is_small, suppress_total
from onestory.evaluation.domain.result import METHODS
from onestory.forms import date_parts, read_date
from onestory.initiatives import actions, panels, queries, report
from onestory.initiatives.domain import quarters, register, survey
from onestory.initiatives.models import InitiativeLocality
from onestory.initiatives.panels import INDICATORS as COMPUTABLE
from onestory.people.models import Person
from onestory.portal.views import _portal, person_required


def _search(get) -> register.Search:
    return register.Search(
        words=get.get("q", "")[:200],
        kind=get.get("kind", "") if get.get("kind", "") in register.KINDS else "",
        locality=get.get("locality", "")[:20],
        status=get.get("status", "") if get.get("status", "") in register.STATUSES else "",
        decision=get.get("decision", "") if get.get("decision", "") in register.DECISIONS else "",
        indicator=get.get("indicator", "")
        if get.get("indicator", "") in register.INDICATORS
        else "",
    )


def _localities():
    from onestory.places.queries import localities

    return localities()


def _choices() -> dict:
    return {
        "kinds": register.KINDS,
        "statuses": register.STATUSES,
        "decisions": register.DECISIONS,
        "indicators": register.INDICATORS,
        "localities": _localities(),
        "threshold": THRESHOLD,
    }


@login_required
@require_GET
def home(request):
    by = actor_for_user(request.user)
    s = _search(request.GET)
    found = queries.search_register(s, by=by)
    rows = [
        {
            "initiative": i,
            "people": queries.shown_people(i.people_reached),
            "runs": len(i.evaluations.all()),
        }
        for i in found
    ]
    return render(
        request,
        "initiatives/home.html",
        {
            "rows": rows,
            "search": s,
            "can_manage": has_permission(by, Permission.MANAGE_INITIATIVES),
            **_choices(),
        },
    )


@login_required
@require_GET
def detail(request, initiative_id):
    by = actor_for_user(request.user)
    initiative = queries.get_initiative(initiative_id, by=by)
    return render(
        request,
        "initiatives/detail.html",
        {
            "i": initiative,
            "people": queries.shown_people(initiative.people_reached),
            "cost": format_pounds(initiative.cost_pence)
            if initiative.cost_pence is not None
            else "",
            "indicator_labels": [register.INDICATORS.get(k, k) for k in initiative.indicators],
            "runs": initiative.evaluations.all(),
            "can_manage": has_permission(by, Permission.MANAGE_INITIATIVES),
            **_choices(),
        },
    )


def _read_initiative(post) -> tuple[actions.InitiativeInput, dict[str, str]]:
    errors: dict[str, str] = {}
    dates = {}
    for name, label in (("starts_on", "The start date"), ("ends_on", "The end date")):
        try:
            dates[name] = read_date(post, name, label=label)
        except ValidationError as exc:
            errors[name] = exc.messages[0]
            dates[name] = None
    people = None
    if post.get("people_reached", "").strip():
        try:
            people = int(post["people_reached"].replace(",", ""))
        except ValueError:
            errors["people_reached"] = "Enter people reached as a whole number, like 120."
    cost = None
    if post.get("cost", "").strip():
        try:
            cost = pounds_to_pence(post["cost"])
        except ValueError:
            errors["cost"] = "Enter the cost in pounds, like 250000."
    places = []
    for loc in _localities():
        if post.get(f"runs-{loc.code}"):
            places.append((loc.code, post.get(f"start-{loc.code}", "").strip()))
    data = actions.InitiativeInput(
        name=post.get("name", "")[:200],
        kind=post.get("kind", ""),
        aims=post.get("aims", ""),
        starts_on=dates["starts_on"],
        ends_on=dates["ends_on"],
        people_reached=people,
        cost_pence=cost,
        indicators=post.getlist("indicators"),
        status=post.get("status", ""),
        learned=post.get("learned", ""),
        decision=post.get("decision", ""),
        places=places,
    )
    return data, errors


def _form_values(post=None, initiative=None) -> dict:
    if post is not None:
        return {
            "name": post.get("name", ""),
            "kind": post.get("kind", ""),
            "aims": post.get("aims", ""),
            "people_reached": post.get("people_reached", ""),
            "cost": post.get("cost", ""),
            "indicators": post.getlist("indicators"),
            "status": post.get("status", ""),
            "learned": post.get("learned", ""),
            "decision": post.get("decision", ""),
            "starts_on": date_parts(post, "starts_on"),
            "ends_on": date_parts(post, "ends_on"),
            "places": {
                loc.code: post.get(f"start-{loc.code}", "")
                for loc in _localities()
                if post.get(f"runs-{loc.code}")
            },
        }
    if initiative is None:
        return {"status": "planned", "places": {}, "indicators": [], "starts_on": {}, "ends_on": {}}

    def parts(d):
        return {"day": d.day, "month": d.month, "year": d.year} if d else {}

    return {
        "name": initiative.name,
        "kind": initiative.kind,
        "aims": initiative.aims,
        "people_reached": initiative.people_reached
        if initiative.people_reached is not None
        else "",
        "cost": f"{initiative.cost_pence / 100:.2f}" if initiative.cost_pence is not None else "",
        "indicators": initiative.indicators,
        "status": initiative.status,
        "learned": initiative.learned,
        "decision": initiative.decision,
        "starts_on": parts(initiative.starts_on),
        "ends_on": parts(initiative.ends_on),
        "places": {p.locality.code: p.start_quarter for p in initiative.places.all()},
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, initiative_id=None):
    by = actor_for_user(request.user)
    require(by, Permission.MANAGE_INITIATIVES)
    initiative = queries.get_initiative(initiative_id, by=by) if initiative_id else None
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = _read_initiative(request.POST)
        if not errors:
            try:
                if initiative is None:
                    initiative = actions.create_initiative(data, by=by)
                else:
                    actions.update_initiative(initiative, data, by=by)
                return redirect("initiative", initiative.external_id)
            except actions.Invalid as exc:
                errors = exc.errors
        values = _form_values(request.POST)
    else:
        values = _form_values(initiative=initiative)
    place_rows = [
        (loc, loc.code in values["places"], values["places"].get(loc.code, ""))
        for loc in _localities()
    ]
    return render(
        request,
        "initiatives/edit.html",
        {
            "i": initiative,
            "values": values,
            "errors": errors,
            "place_rows": place_rows,
            **_choices(),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluate(request, initiative_id):
    by = actor_for_user(request.user)
    require(by, Permission.MANAGE_INITIATIVES)
    initiative = queries.get_initiative(initiative_id, by=by)
    runs_in = list(initiative.places.select_related("locality"))
    errors: dict[str, str] = {}
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            run = actions.run_evaluation(
                initiative,
                indicator=post.get("indicator", ""),
                treated=post.getlist("treated"),
                comparators=post.getlist("comparators"),
                start_quarter=post.get("start_quarter", ""),
                methods=post.getlist("methods"),
                by=by,
            )
            return redirect("evaluation-run", run.external_id)
        except actions.Invalid as exc:
            errors = exc.errors
    treated_codes = {p.locality.code for p in runs_in}
    similar = set(
        InitiativeLocality.objects.filter(initiative__kind=initiative.kind)
        .exclude(initiative=initiative)
        .values_list("locality__code", flat=True)
    )
    profiles = {}
    for code, (n, older) in panels.locality_profiles(by=by).items():
        people = suppress_total(n)
        profiles[code] = (
            f"{people:,} people, {older:.0f}% aged 65 or over"
            if people is not None and older is not None and not is_small(round(n * older / 100))
            else f"{'fewer than 8' if people is None else f'{people:,}'} people"
        )
    first_start = min((p.start_quarter for p in runs_in), default="")
    values = {
        "indicator": post.get("indicator")
        if post
        else next((k for k in initiative.indicators if k in COMPUTABLE), "emergency_admissions"),
        "treated": post.getlist("treated") if post else sorted(treated_codes),
        "comparators": post.getlist("comparators") if post else [],
        "start_quarter": post.get("start_quarter", "") if post else first_start,
        "methods": post.getlist("methods") if post else list(METHODS),
    }
    return render(
        request,
        "initiatives/evaluate.html",
        {
            "i": initiative,
            "runs_in": runs_in,
            "candidates": [
                (loc, profiles.get(loc.code, "no one placed here"))
                for loc in _localities()
                if loc.code not in treated_codes
            ],
            "profiles": profiles,
            "similar": similar,
            "computable": COMPUTABLE,
            "methods": {
                "did": "Difference-in-differences (DiD)",
                "scm": "Synthetic control (SCM)",
                "sdid": "Synthetic difference-in-differences (SDID)",
            },
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _lived_for(run, by):
    qs = sorted({r["quarter"] for r in report.panel_rows(run)})
    return queries.lived_experience(
        by=by, localities=run.treated + run.comparators, quarter_list=qs
    )


@login_required
@require_GET
def run_page(request, run_id):
    by = actor_for_user(request.user)
    run = queries.get_run(run_id, by=by)
    rep = report.build(run)
    lived = [pq for pq in _lived_for(run, by) if _has_any(pq)]
    return render(
        request,
        "initiatives/run.html",
        {
            "rep": rep,
            "run": run,
            "figures": report.figures(rep),
            "table": [
                {
                    "quarter": q,
                    "cells": [(rep.series[loc][n], rep.counts[loc][n]) for loc in rep.series],
                }
                for n, q in enumerate(rep.quarters)
            ],
            "lived": lived,
            "questions": survey.QUESTIONS,
            "threshold": THRESHOLD,
        },
    )


def _has_any(pq) -> bool:
    return bool(
        pq.own_words.denominator != 0 or pq.goals_met.denominator != 0 or pq.survey_responses != 0
    )


@login_required
@require_GET
def run_pdf(request, run_id):
    by = actor_for_user(request.user)
    run = queries.get_run(run_id, by=by)
    rep = report.build(run)
    lived = [pq for pq in _lived_for(run, by) if _has_any(pq)]
    response = HttpResponse(report.pdf(rep, lived), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{run.external_id}.pdf"'
    return response


@login_required
@require_GET
def lived_experience(request):
    by = actor_for_user(request.user)
    require(by, Permission.VIEW_AGGREGATES)
    all_localities = _localities()
    chosen = [
        c for c in request.GET.getlist("locality") if c in {loc.code for loc in all_localities}
    ]
    chosen = chosen or [loc.code for loc in all_localities]
    error = ""
    today_q = quarters.of(queries.today())
    first = request.GET.get("from", "") or queries.quarters_around(today_q, 7, 0)[0]
    last = request.GET.get("to", "") or today_q
    try:
        span = quarters.span(first, last)
    except quarters.QuarterError as exc:
        error, span = str(exc), []
    if len(span) > 40:
        error, span = "Choose at most 40 quarters (ten years).", []
    rows = queries.lived_experience(by=by, localities=chosen, quarter_list=span) if span else []
    return render(
        request,
        "initiatives/lived.html",
        {
            "rows": rows,
            "localities": all_localities,
            "chosen": chosen,
            "first": first,
            "last": last,
            "error": error,
            "questions": survey.QUESTIONS,
            "threshold": THRESHOLD,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_entry(request, person_id):
    """Staff enter a returned paper survey for a person they have a relationship with."""
    by = actor_for_user(request.user)
    person = get_object_or_404(Person, external_id=person_id)
    return _survey(request, person, by, portal=False)


@person_required
@require_http_methods(["GET", "POST"])
def my_survey(request, person, by):
    """The person (or their representative) answers the survey in their portal."""
    return _survey(request, person, by, portal=True)


def _survey(request, person, by, *, portal: bool):
    entered = queries.survey_count(person, by=by)  # refuses without a relationship
    errors: dict[str, str] = {}
    done = False
    answered_on = None
    if request.method == "POST":
        try:
            answered_on = read_date(
                request.POST,
                "answered_on",
                label="The date it was answered",
                required=True,
                past=True,
            )
        except ValidationError as exc:
            errors["answered_on"] = exc.messages[0]
        if not errors and answered_on is not None:
            try:
                actions.record_survey(
                    person,
                    respondent=request.POST.get("respondent", ""),
                    answered_on=answered_on,
                    raw_answers={k: request.POST.get(k, "") for k in survey.KEYS},
                    by=by,
                    channel="portal" if portal else "paper",
                )
                done = True
                entered += 1
            except actions.Invalid as exc:
                errors = exc.errors
    return render(
        request,
        "initiatives/survey.html",
        {
            "base": "portal/base_portal.html" if portal else "base.html",
            "portal_form": portal,
            "action": reverse("portal-survey")
            if portal
            else reverse("survey-entry", args=[person.external_id]),
            "entered": entered,
            "done": done,
            "errors": errors,
            "questions": survey.QUESTIONS,
            "scale": survey.SCALE,
            "respondents": survey.RESPONDENTS,
            "values": request.POST if request.method == "POST" and not done else {},
            "answered_parts": date_parts(request.POST, "answered_on") if errors else {},
            **(_portal(request) if portal else {}),
        },
        status=400 if errors else 200,
    )
