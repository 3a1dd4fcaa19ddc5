"""Shared Lives pages: the scheme, a carer, referring a person, a referral with its
shortlist, introductions and arrangement, and the cost against the alternative. Views parse
the form, call the audited actions and queries, and render."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access.policy import actor_for_user
from onestory.budgets.domain.money import pounds_to_pence
from onestory.people.models import Person
from onestory.sharedlives import actions, queries
from onestory.sharedlives.csvio import tokens
from onestory.sharedlives.domain import matching
from onestory.sharedlives.models import Carer, Introduction, Referral

LIST_FIELDS = actions.PROFILE_LISTS


def words(text: str) -> frozenset[str]:
    return tokens((text or "").replace(",", ";"))


def _date(value: str, label: str) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"Enter {label} as a date, like 2026-11-02.") from None


def _pence(value: str, label: str) -> int:
    try:
        pence = pounds_to_pence(value or "")
    except ValueError:
        raise ValidationError(f"Enter {label} in pounds, like 450.00") from None
    if pence < 0:
        raise ValidationError(f"{label.capitalize()} cannot be negative.")
    return pence


def _flash(request, key: str):
    return request.session.pop(f"sl_{key}", "")


def _run(request, handler, *args) -> None:
    try:
        message = handler(*args)
    except ValidationError as error:
        request.session["sl_error"] = " ".join(error.messages)
    else:
        request.session["sl_done"] = message


@login_required
@require_GET
def home(request):
    by = actor_for_user(request.user)
    page = queries.scheme(by=by)
    return render(
        request,
        "sharedlives/home.html",
        {"page": page, "error": _flash(request, "error"), "done": _flash(request, "done")},
    )


@login_required
@require_GET
def costs(request):
    by = actor_for_user(request.user)
    return render(request, "sharedlives/costs.html", {"report": queries.costs(by=by)})


@login_required
@require_POST
def carer_new(request):
    by = actor_for_user(request.user)
    try:
        carer = actions.apply_carer(
            name=request.POST.get("name", ""),
            postcode=request.POST.get("postcode", ""),
            on=_date(request.POST.get("on", ""), "the date"),
            by=by,
        )
    except ValidationError as error:
        request.session["sl_error"] = " ".join(error.messages)
        return redirect("sharedlives-home")
    request.session["sl_done"] = "Application recorded."
    return redirect("sharedlives-carer", carer.external_id)


@login_required
@require_GET
def carer_page(request, carer_id):
    by = actor_for_user(request.user)
    carer, taken = queries.carer(carer_id, by=by)
    context = {
        "carer": carer,
        "taken": taken,
        "offers": matching.OFFER_LABELS,
        "lists": {f: "; ".join(getattr(carer, f)) for f in LIST_FIELDS},
        "error": _flash(request, "error"),
        "done": _flash(request, "done"),
    }
    return render(request, "sharedlives/carer.html", context)


def _carer_update(post, carer, by):
    changes: dict = {f: words(post.get(f, "")) for f in LIST_FIELDS if f != "offers"}
    changes["offers"] = frozenset(post.getlist("offers"))
    try:
        changes["capacity"] = int(post.get("capacity", ""))
    except ValueError:
        raise ValidationError("Capacity is a whole number.") from None
    changes["postcode"] = post.get("postcode", "")
    changes["household_members"] = post.get("household_members", "")
    changes["available_note"] = post.get("available_note", "")
    changes["available_from"] = (
        _date(post["available_from"], "available from") if post.get("available_from") else None
    )
    changes["safeguarding_concern"] = post.get("safeguarding_concern") == "yes"
    actions.update_carer(carer=carer, changes=changes, by=by)
    return "Carer's details saved."


def _carer_assess(post, carer, by):
    actions.record_assessment(
        carer=carer, on=_date(post.get("on", ""), "the date"), note=post.get("note", ""), by=by
    )
    return "Assessment recorded."


def _carer_panel(post, carer, by):
    approve = post.get("decision") == "approve"
    if post.get("decision") not in ("approve", "decline"):
        raise ValidationError("Choose the panel's decision.")
    actions.panel_decision(
        carer=carer,
        approve=approve,
        conditions=post.get("conditions", ""),
        on=_date(post.get("on", ""), "the date"),
        by=by,
    )
    return "Approved by panel." if approve else "Not approved by panel."


def _carer_review(post, carer, by):
    actions.annual_review(
        carer=carer, on=_date(post.get("on", ""), "the date"), note=post.get("note", ""), by=by
    )
    return "Annual review recorded."


def _carer_deapprove(post, carer, by):
    actions.deapprove(
        carer=carer, on=_date(post.get("on", ""), "the date"), reason=post.get("note", ""), by=by
    )
    return "Carer de-approved."


CARER_ACTIONS = {
    "update": _carer_update,
    "assess": _carer_assess,
    "panel": _carer_panel,
    "review": _carer_review,
    "deapprove": _carer_deapprove,
}


@login_required
@require_POST
def carer_action(request, carer_id):
    by = actor_for_user(request.user)
    handler = CARER_ACTIONS.get(request.POST.get("action", ""))
    if handler is None:
        raise Http404("Unknown carer action")
    carer = get_object_or_404(Carer, external_id=carer_id)
    _run(request, handler, request.POST, carer, by)
    return redirect("sharedlives-carer", carer.external_id)


@login_required
@require_http_methods(["GET", "POST"])
def refer(request, person_id):
    by = actor_for_user(request.user)
    person = get_object_or_404(Person, external_id=person_id)
    defaults = queries.refer_defaults(person, by=by)
    error = ""
    if request.method == "POST":
        post = request.POST
        try:
            max_km = float(post["max_km"]) if post.get("max_km") else None
            if max_km is not None and not 0 <= max_km <= 1000:
                raise ValueError
        except ValueError:
            error = "Enter the furthest distance as a number of kilometres, up to 1,000."
        else:
            try:
                referral = actions.refer(
                    person=person,
                    details={
                        "postcode": post.get("postcode", ""),
                        "support": post.get("support", ""),
                        "needs": words(post.get("needs", "")),
                        "must_not": words(post.get("must_not", "")),
                        "preferences": words(post.get("preferences", "")),
                        "safeguarding": frozenset(post.getlist("safeguarding")),
                        "max_km": max_km,
                        "what_matters": post.get("what_matters", ""),
                        "current_arrangement": post.get("current_arrangement", ""),
                        "alternative": post.get("alternative", ""),
                        "alternative_weekly_pence": _pence(
                            post.get("alternative_weekly") or "0", "the alternative's weekly cost"
                        ),
                    },
                    by=by,
                )
            except ValidationError as e:
                error = " ".join(e.messages)
            else:
                request.session["sl_done"] = "Referral recorded."
                return redirect("sharedlives-referral", referral.external_id)
        defaults = {
            **defaults,
            **{k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"},
        }
    context = {
        "person": person,
        "form": defaults,
        "error": error,
        "offers": matching.OFFER_LABELS,
        "flags": sorted(matching.SAFEGUARDING_EXCLUDES),
    }
    return render(request, "sharedlives/refer.html", context, status=400 if error else 200)


@login_required
@require_GET
def referral_page(request, referral_id):
    by = actor_for_user(request.user)
    page = queries.referral(referral_id, by=by)
    context = {
        "page": page,
        "error": _flash(request, "error"),
        "done": _flash(request, "done"),
        "today": timezone.localdate(),
    }
    return render(request, "sharedlives/referral.html", context)


def _introduction(post, referral) -> Introduction:
    intro = (
        referral.introductions.filter(pk=post.get("introduction") or 0).first()
        if ((post.get("introduction") or "").isdigit())
        else None
    )
    if intro is None:
        raise ValidationError("Choose an introduction.")
    return intro


def _ref_introduce(post, referral, by):
    carer = Carer.objects.filter(
        external_id__in=[post.get("carer", "")] if _is_uuid(post.get("carer", "")) else []
    ).first()
    if carer is None:
        raise ValidationError("Choose a carer from the shortlist.")
    actions.propose_introduction(referral=referral, carer=carer, by=by)
    return f"Introduction to {carer.name} proposed."


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _ref_trial(post, referral, by):
    actions.record_trial(
        introduction=_introduction(post, referral), on=_date(post.get("on", ""), "the date"), by=by
    )
    return "Trial visit recorded."


def _ref_outcome(post, referral, by):
    if post.get("good") not in ("yes", "no"):
        raise ValidationError("Say whether the trial went well.")
    actions.record_outcome(
        introduction=_introduction(post, referral),
        good=post.get("good") == "yes",
        note=post.get("note", ""),
        by=by,
    )
    return "Trial outcome recorded."


def _ref_arrange(post, referral, by):
    from onestory.budgets.models import BudgetStream

    stream = None
    if post.get("stream"):
        stream = BudgetStream.objects.filter(
            external_id__in=[post["stream"]] if _is_uuid(post["stream"]) else [],
            budget__person=referral.person,
        ).first()
        if stream is None:
            raise ValidationError("Choose one of the person's budget streams.")
    actions.agree_arrangement(
        introduction=_introduction(post, referral),
        starts_on=_date(post.get("starts_on", ""), "the start date"),
        weekly_pence=_pence(post.get("weekly", ""), "the weekly cost"),
        budget_stream=stream,
        by=by,
    )
    return "Arrangement agreed."


def _arrangement(referral):
    arrangement = getattr(referral, "arrangement", None)
    if arrangement is None:
        raise ValidationError("There is no arrangement yet.")
    return arrangement


def _ref_pay(post, referral, by):
    actions.record_payment(
        arrangement=_arrangement(referral),
        amount_pence=_pence(post.get("amount", ""), "the amount"),
        on=_date(post.get("on", ""), "the date"),
        by=by,
    )
    return "Payment recorded in the budget ledger."


def _ref_review(post, referral, by):
    actions.review_arrangement(
        arrangement=_arrangement(referral),
        on=_date(post.get("on", ""), "the date"),
        note=post.get("note", ""),
        continue_arrangement=post.get("continue") != "no",
        by=by,
    )
    return "Review recorded."


REFERRAL_ACTIONS = {
    "introduce": _ref_introduce,
    "trial": _ref_trial,
    "outcome": _ref_outcome,
    "arrange": _ref_arrange,
    "pay": _ref_pay,
    "review": _ref_review,
}


@login_required
@require_POST
def referral_action(request, referral_id):
    by = actor_for_user(request.user)
    handler = REFERRAL_ACTIONS.get(request.POST.get("action", ""))
    if handler is None:
        raise Http404("Unknown referral action")
    referral = get_object_or_404(Referral, external_id=referral_id)
    # The access decision comes before anything about the form is answered.
    actions.check_person(by, referral.person, attempted=f"sharedlives.{request.POST['action']}")
    _run(request, handler, request.POST, referral, by)
    return redirect(reverse("sharedlives-referral", args=[referral.external_id]))
