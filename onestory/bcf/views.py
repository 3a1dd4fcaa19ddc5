"""Better Care Fund plan pages: the agreements, an agreement's set-up, its contributions,
schemes (with variance alerts) and a scheme's quarterly spend, the metrics' targets, the
plan with the metrics beside their targets, and the quarterly return (XLSX). Views parse
the form, call the audited actions and the queries, and render. Reading needs
VIEW_AGGREGATES (commissioners, analysts); every form needs MANAGE_BCF (commissioners)."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access.policy import actor_for_user
from onestory.bcf import actions, export, queries
from onestory.bcf.domain import plan, targets
from onestory.budgets.domain.money import pence_to_pounds, pounds_to_pence
from onestory.commissioning.domain import suppression
from onestory.commissioning.domain.bcf import Year
from onestory.forms import date_parts, read_date
from onestory.places.models import Partnership

YEAR_CHOICES = range(2023, 2031)


def _year(text: str | None) -> int | None:
    try:
        return Year.parse(text or "").first
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def _pence(text: str | None, *, blank_is_zero: bool = False) -> int | None:
    text = (text or "").strip()
    if not text and blank_is_zero:
        return 0
    try:
        return pounds_to_pence(text)
    except ValueError:
        return None


def _decimal(text: str | None) -> Decimal | None | str:
    """A Decimal; None when blank; the text itself when it is not a number (the action
    reports it)."""
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return value if value.is_finite() else text


def _errors(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {k: v[0] for k, v in error.message_dict.items()}
    return {"__all__": " ".join(error.messages)}


def _flash(request, message: str = "") -> str:
    if message:
        request.session["bcf_done"] = message
        return message
    return request.session.pop("bcf_done", "")


def _years(request, agreement) -> tuple[int, int | None]:
    year = _year(request.GET.get("year"))
    year = year if year in agreement.years else agreement.years[0]
    return year, _int(request.GET.get("quarter"))


def _year_options(agreement=None):
    years = agreement.years if agreement else YEAR_CHOICES
    return [(y, plan.year_label(y)) for y in years]


def _base(**extra) -> dict:
    return {
        "threshold": suppression.THRESHOLD,
        "quarters": plan.QUARTER_LABELS,
        **extra,
    }


# --------------------------------------------------------------------------- agreements


@login_required
@require_GET
def home(request):
    by = actor_for_user(request.user)
    found = queries.agreements(by=by)
    return render(
        request,
        "bcf/home.html",
        _base(**found, may_manage=queries.may_manage(by), done=_flash(request)),
    )


def _agreement_values(post) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict = {
        "first_year": _int(post.get("first_year")),
        "last_year": _int(post.get("last_year")),
        "council_name": post.get("council_name", "").strip(),
        "nhs_partner_name": post.get("nhs_partner_name", "").strip(),
        "host": post.get("host", ""),
        "arrangement": post.get("arrangement", ""),
        "overspend_council_pct": _int(post.get("overspend_council_pct")),
        "underspend_council_pct": _int(post.get("underspend_council_pct")),
        "status": post.get("status", ""),
    }
    for name, label in (("starts_on", "The start date"), ("ends_on", "The end date")):
        try:
            values[name] = read_date(post, name, label=label, required=True)
        except ValidationError as error:
            errors[name] = error.messages[0]
            values[name] = None
    return values, errors


def _agreement_form(request, *, agreement, partnership, values, errors, status=200):
    form = dict(values)
    for name in ("starts_on", "ends_on"):
        form[f"{name}_parts"] = (
            date_parts(request.POST, name)
            if request.method == "POST"
            else (
                {"day": values[name].day, "month": values[name].month, "year": values[name].year}
                if values.get(name)
                else {}
            )
        )
    return render(
        request,
        "bcf/agreement_form.html",
        _base(
            agreement=agreement,
            partnership=partnership,
            partnerships=Partnership.objects.order_by("code"),
            form=form,
            errors=errors,
            year_options=_year_options(),
            partners=plan.PARTNERS,
            arrangements=plan.ARRANGEMENTS,
            statuses=plan.STATUSES,
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new(request):
    by = actor_for_user(request.user)
    queries.require_manage(by)
    code = request.POST.get("partnership") or request.GET.get("partnership", "")
    partnership = Partnership.objects.filter(code=code).first()
    if request.method == "GET":
        today = timezone.localdate()
        first = today.year if today.month >= 4 else today.year - 1
        values = {
            "first_year": first,
            "last_year": first + 1,
            "council_name": partnership.council_name if partnership else "",
            "nhs_partner_name": partnership.trust_name if partnership else "",
            "host": "council",
            "arrangement": "pooled",
            "status": "draft",
        }
        return _agreement_form(
            request, agreement=None, partnership=partnership, values=values, errors={}
        )
    values, errors = _agreement_values(request.POST)
    if partnership is None:
        errors["partnership"] = "Choose the partnership (its Health and Wellbeing Board)."
    if not errors:
        try:
            agreement = actions.create_agreement(partnership=partnership, values=values, by=by)
        except ValidationError as error:
            errors = _errors(error)
        else:
            _flash(request, "Agreement set up. Now add the contributions and schemes.")
            return redirect("bcf-plan", agreement.external_id)
    return _agreement_form(
        request,
        agreement=None,
        partnership=partnership,
        values=values,
        errors=errors,
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, agreement_id):
    by = actor_for_user(request.user)
    agreement = queries.agreement(agreement_id, by=by, manage=True)
    if request.method == "GET":
        values = {f: getattr(agreement, f) for f in actions.AGREEMENT_FIELDS}
        return _agreement_form(
            request,
            agreement=agreement,
            partnership=agreement.partnership,
            values=values,
            errors={},
        )
    values, errors = _agreement_values(request.POST)
    if not errors:
        try:
            changed = actions.update_agreement(agreement, values=values, by=by)
        except ValidationError as error:
            errors = _errors(error)
        else:
            _flash(request, "Agreement saved." if changed else "Nothing changed.")
            return redirect("bcf-plan", agreement.external_id)
    return _agreement_form(
        request,
        agreement=agreement,
        partnership=agreement.partnership,
        values=values,
        errors=errors,
        status=400,
    )


# ------------------------------------------------------------------------------- the plan


@login_required
@require_GET
def plan_page(request, agreement_id):
    by = actor_for_user(request.user)
    agreement = queries.agreement(agreement_id, by=by)
    year, quarter = _years(request, agreement)
    figures = queries.plan_for(agreement, by=by, year=year, quarter=quarter)
    return render(
        request,
        "bcf/plan.html",
        _base(
            figures=figures,
            year_options=_year_options(agreement),
            done=_flash(request),
        ),
    )


@login_required
@require_GET
def schemes(request, agreement_id):
    by = actor_for_user(request.user)
    agreement = queries.agreement(agreement_id, by=by)
    year, quarter = _years(request, agreement)
    figures = queries.plan_for(agreement, by=by, year=year, quarter=quarter, with_metrics=False)
    return render(
        request,
        "bcf/schemes.html",
        _base(
            figures=figures,
            year_options=_year_options(agreement),
            threshold_pct=plan.VARIANCE_THRESHOLD_PCT,
            done=_flash(request),
        ),
    )


@login_required
@require_GET
def quarterly_return(request, agreement_id):
    by = actor_for_user(request.user)
    agreement = queries.agreement(agreement_id, by=by)
    year, quarter = _years(request, agreement)
    content, name = export.quarterly_return(
        agreement, by=by, year=year, quarter=quarter, today=timezone.localdate()
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -------------------------------------------------------------------------- contributions


@login_required
@require_http_methods(["GET", "POST"])
def contributions(request, agreement_id):
    by = actor_for_user(request.user)
    agreement = queries.agreement(agreement_id, by=by, manage=True)
    errors: dict[str, str] = {}
    form: dict = {}
    status = 200
    if request.method == "POST":
        year = _year(request.POST.get("year"))
        form = {k: request.POST.get(k, "") for k in ("year", "source", "amount", "note")}
        try:
            outcome = actions.set_contribution(
                agreement,
                year=year,  # type: ignore[arg-type]
                source=form["source"],
                planned_pence=_pence(form["amount"]),  # type: ignore[arg-type]
                note=form["note"],
                by=by,
            )
        except ValidationError as error:
            errors, status = _errors(error), 400
        else:
            label = plan.SOURCES[form["source"]]
            _flash(
                request,
                f"{label} for {plan.year_label(year)}: "  # type: ignore[arg-type]
                + ("nothing changed." if outcome == "unchanged" else "saved."),
            )
            return redirect(f"{request.path}?year={plan.year_label(year)}")  # type: ignore[arg-type]
    year, _quarter = _years(request, agreement)
    figures = queries.plan_for(agreement, by=by, year=year, with_metrics=False)
    return render(
        request,
        "bcf/contributions.html",
        _base(
            figures=figures,
            all_years=[
                {
                    "label": plan.year_label(y),
                    "rows": {c.source: c for c in agreement.contributions.filter(year=y)},
                }
                for y in agreement.years
            ],
            sources=plan.SOURCES,
            year_options=_year_options(agreement),
            form=form,
            errors=errors,
            done=_flash(request),
        ),
        status=status,
    )


# -------------------------------------------------------------------------------- schemes


def _scheme_values(post) -> dict:
    values: dict = {
        "year": _year(post.get("year")),
        "reference": post.get("reference", ""),
        "name": post.get("name", ""),
        "scheme_type": post.get("scheme_type", ""),
        "spend_area": post.get("spend_area", ""),
        "lead_commissioner": post.get("lead_commissioner", ""),
        "provider_type": post.get("provider_type", ""),
        "source": post.get("source", ""),
    }
    for q in plan.QUARTERS:
        values[f"planned_q{q}"] = _pence(post.get(f"planned_q{q}"), blank_is_zero=True)
    return values


def _scheme_form(request, *, agreement, scheme, form, errors, status=200, spend=None):
    return render(
        request,
        "bcf/scheme_form.html",
        _base(
            agreement=agreement,
            scheme=scheme,
            form=form,
            errors=errors,
            spend=spend or {},
            year_options=_year_options(agreement),
            scheme_types=plan.SCHEME_TYPES,
            spend_areas=plan.SPEND_AREAS,
            commissioners=plan.COMMISSIONERS,
            provider_types=plan.PROVIDER_TYPES,
            sources=plan.SOURCES,
            row=queries.scheme_row(scheme) if scheme else None,
            done=_flash(request),
        ),
        status=status,
    )


def _scheme_initial(scheme) -> dict:
    form = {f: getattr(scheme, f) for f in actions.SCHEME_FIELDS}
    form["year"] = plan.year_label(scheme.year)
    for q in plan.QUARTERS:
        form[f"planned_q{q}"] = pence_to_pounds(scheme.planned[q])
    return form


@login_required
@require_http_methods(["GET", "POST"])
def scheme_new(request, agreement_id):
    by = actor_for_user(request.user)
    agreement = queries.agreement(agreement_id, by=by, manage=True)
    if request.method == "GET":
        year, _q = _years(request, agreement)
        form = {"year": plan.year_label(year), "reference": str(agreement.schemes.count() + 1)}
        return _scheme_form(request, agreement=agreement, scheme=None, form=form, errors={})
    try:
        scheme = actions.add_scheme(agreement, values=_scheme_values(request.POST), by=by)
    except ValidationError as error:
        return _scheme_form(
            request,
            agreement=agreement,
            scheme=None,
            form=request.POST.dict(),
            errors=_errors(error),
            status=400,
        )
    _flash(request, f"Scheme {scheme.reference} added. Record its spend each quarter below.")
    return redirect("bcf-scheme", scheme.external_id)


@login_required
@require_http_methods(["GET", "POST"])
def scheme_page(request, scheme_id):
    by = actor_for_user(request.user)
    scheme = queries.scheme(scheme_id, by=by, manage=True)
    agreement = scheme.agreement
    if request.method == "GET":
        return _scheme_form(
            request, agreement=agreement, scheme=scheme, form=_scheme_initial(scheme), errors={}
        )
    try:
        changed = actions.update_scheme(scheme, values=_scheme_values(request.POST), by=by)
    except ValidationError as error:
        return _scheme_form(
            request,
            agreement=agreement,
            scheme=scheme,
            form=request.POST.dict(),
            errors=_errors(error),
            status=400,
        )
    _flash(request, "Scheme saved." if changed else "Nothing changed.")
    return redirect("bcf-scheme", scheme.external_id)


@login_required
@require_POST
def scheme_spend(request, scheme_id):
    by = actor_for_user(request.user)
    scheme = queries.scheme(scheme_id, by=by, manage=True)
    quarter = _int(request.POST.get("quarter"))
    try:
        changed = actions.record_spend(
            scheme,
            quarter=quarter,  # type: ignore[arg-type]
            actual_pence=_pence(request.POST.get("actual")),  # type: ignore[arg-type]
            by=by,
        )
    except ValidationError as error:
        errors = {f"spend_{k}": v for k, v in _errors(error).items()}
        return _scheme_form(
            request,
            agreement=scheme.agreement,
            scheme=scheme,
            form=_scheme_initial(scheme),
            errors=errors,
            status=400,
            spend=request.POST.dict(),
        )
    _flash(
        request,
        f"Actual spend for Q{quarter} recorded." if changed else "Nothing changed.",
    )
    return redirect("bcf-scheme", scheme.external_id)


# -------------------------------------------------------------------------------- targets


@login_required
@require_http_methods(["GET", "POST"])
def targets_page(request, agreement_id):
    by = actor_for_user(request.user)
    agreement = queries.agreement(agreement_id, by=by, manage=True)
    year, _q = _years(request, agreement)
    errors: dict[str, str] = {}
    form: dict = {}
    status = 200
    if request.method == "POST":
        form = request.POST.dict()
        year = _year(form.get("year")) or year
        metric = form.get("metric", "")
        try:
            outcome = actions.set_target(
                agreement,
                year=_year(form.get("year")),  # type: ignore[arg-type]
                metric=metric,
                annual=_decimal(form.get("annual")),  # type: ignore[arg-type]
                trajectory={q: _decimal(form.get(f"q{q}")) for q in plan.QUARTERS},  # type: ignore[misc]
                by=by,
            )
        except ValidationError as error:
            errors, status = _errors(error), 400
        else:
            _flash(
                request,
                f"Target for {targets.METRIC_LABELS[metric]}: "
                + ("nothing changed." if outcome == "unchanged" else "saved."),
            )
            return redirect(f"{request.path}?year={plan.year_label(year)}")
    set_ = {t.metric: t for t in agreement.targets.filter(year=year)}
    rows = [
        {
            "key": key,
            "label": targets.METRIC_LABELS[key],
            "better": targets.better(key),
            "target": set_.get(key),
        }
        for key in targets.METRICS
    ]
    return render(
        request,
        "bcf/targets.html",
        _base(
            agreement=agreement,
            year=year,
            year_label=plan.year_label(year),
            rows=rows,
            year_options=_year_options(agreement),
            form=form,
            errors=errors,
            done=_flash(request),
        ),
        status=status,
    )
