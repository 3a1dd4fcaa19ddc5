"""The person's own pages: sign in, their record, who can see it, who has looked at it.

Views stay thin: the person (or their chosen representative) acts under the audited actor
`actor_for_user` gives their person account, and every read and change goes through the
same queries and actions staff use, so the access policy decides here too."""

import secrets
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access import actions
from onestory.access import queries as access_queries
from onestory.access.access_log import access_log_page
from onestory.access.auth import lock_message, locked_for
from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.forms import date_parts, has_date, read_date, read_date_range
from onestory.people.domain.nhs_number import is_valid, normalise
from onestory.portal import queries
from onestory.record import queries as record_queries
from onestory.record.clinical_summary import get_clinical_summary
from onestory.record.domain.labels import category_label
from onestory.record.domain.search import parse_date_of_birth
from onestory.record.visits import visit_for
from onestory.web import int_param

# The sensitive categories a person may refuse for everyone, in plain words.
SENSITIVE = (
    (
        "mental_health",
        "Mental health",
        "Mental health services you have used and what they recorded.",
    ),
    ("sexual_health", "Sexual health", "Sexual health clinics and what they recorded."),
    (
        "safeguarding",
        "Safeguarding",
        "Concerns raised to keep you or a child safe, and child protection plans.",
    ),
)
# Organisation kinds whose staff see a person only when the person said yes.
NEEDS_ALLOW = {"voluntary"}
KIND_LABELS = {
    "gp_practice": "GP practice",
    "acute_trust": "Hospital",
    "mental_health_trust": "Mental health service",
    "community_provider": "Community health service",
    "adult_social_care": "Council adult social care",
    "childrens_services": "Council children's services",
    "housing": "Housing",
    "voluntary": "Voluntary organisation",
    "shared_lives": "Shared Lives scheme",
    "commissioner": "Commissioner",
}


def _demo_enabled() -> bool:
    return settings.ENV == "demo"


def person_required(view):
    """Only a signed-in person account (the person or their representative); anyone else
    is sent to the portal's sign-in page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(reverse("portal-login") + "?next=" + request.path)
        try:
            person = access_queries.person_for_account(request.user)
        except PermissionDenied:
            return redirect("portal-login")
        by = actor_for_user(request.user, "page")
        return view(request, person, by, *args, **kwargs)

    return wrapped


def _portal(request) -> dict:
    account = getattr(request.user, "person_account", None)
    if account is None:
        return {}
    return {
        "portal": {
            "acting_as": account.acting_as,
            "representative_name": account.representative_name,
            "demo": request.user.get_username().startswith("demo-"),
        }
    }


@require_http_methods(["GET", "POST"])
def sign_in(request):
    """Username and password of a person account; in the demo only, also NHS number and
    date of birth of any synthetic person."""
    context = {"demo": _demo_enabled(), "errors": {}, "values": {}}
    if request.method == "GET":
        return render(request, "portal/login.html", context)
    if request.POST.get("method") == "demo":
        return _demo_sign_in(request, context)
    username = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    context["values"] = {"username": username}
    user = authenticate(request, username=username, password=password) if username else None
    if user is None or getattr(user, "person_account", None) is None:
        # Staff accounts sign in on the staff page: say nothing about which part was wrong.
        # A locked username (locked whether or not it exists) is told so, and for how long.
        left = locked_for(username) if user is None and username else None
        message = (
            lock_message(left)
            if left
            else "Your username or password is not right. Check them and try again."
        )
        context["errors"] = {"username": message}
        return render(request, "portal/login.html", context, status=400)
    login(request, user)
    return redirect(_next_url(request))


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/me/") else reverse("portal-home")


def _demo_sign_in(request, context):
    if not _demo_enabled():
        raise PermissionDenied("Signing in with an NHS number and date of birth is demo-only.")
    nhs = normalise(request.POST.get("nhs_number", ""))
    context["values"] = {
        "nhs_number": request.POST.get("nhs_number", ""),
        **{f"dob-{p}": v for p, v in date_parts(request.POST, "dob").items()},
    }
    errors = {}
    if not is_valid(nhs):
        errors["nhs_number"] = "Enter a 10-digit NHS number, like 999 123 4561"
    try:
        if has_date(request.POST, "dob") or not request.POST.get("dob"):
            dob = read_date(request.POST, "dob", label="Date of birth", required=True, past=True)
        else:  # a single box (older clients): 31/03/1950 or 1950-03-31
            dob = parse_date_of_birth(request.POST.get("dob", ""))
    except ValidationError as exc:
        errors["dob"] = exc.messages[0]
    except ValueError as exc:
        errors["dob"] = str(exc)
    if errors:
        context["errors"] = errors
        return render(request, "portal/login.html", context, status=400)
    person = queries.find_person_for_demo(nhs, dob)
    if person is None:
        context["errors"] = {
            "nhs_number": "No one in the demo has that NHS number and date of birth together"
        }
        return render(request, "portal/login.html", context, status=400)
    user = queries.demo_user(person)
    if user is None:
        account = actions.create_person_account(
            person=person,
            username=queries.demo_username(person),
            # Never typed: the demo signs in by NHS number and date of birth instead.
            password=secrets.token_urlsafe(24),
            by=Actor.system("demo-sign-in", channel="page"),
        )
        user = account.user
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return redirect("portal-home")


@require_POST
def sign_out(request):
    logout(request)
    return redirect("portal-login")


@person_required
@require_GET
def my_record(request, person, by):
    """The person's whole record: every category, every service."""
    page = int_param(request, "page", 1, minimum=1)
    visit = visit_for(request)
    date_from, date_to, date_errors = read_date_range(request.GET)
    record = record_queries.get_person_record(person.external_id, by=by, visit=visit)
    timeline = record_queries.get_timeline(
        person.external_id, by=by, page=page, date_from=date_from, date_to=date_to, visit=visit
    )
    kept = [
        (f"{name}-{part}", value)
        for name in ("from", "to")
        for part, value in date_parts(request.GET, name).items()
        if value
    ]
    context = {
        "record": record,
        "timeline": timeline,
        "clinical": get_clinical_summary(person.external_id, by=by, visit=visit),
        "date_values": request.GET,
        "date_errors": date_errors,
        "dated": bool(kept),
        "page_query": urlencode(kept) + "&" if kept else "",
        **_portal(request),
    }
    return render(request, "portal/record.html", context)


def _sharing_rows(choices) -> dict:
    organisations = []
    for o in choices.organisations:
        decision = choices.decision_for(o.code, "")
        needs_allow = o.kind in NEEDS_ALLOW
        organisations.append(
            {
                "code": o.code,
                "name": o.name,
                "kind_label": KIND_LABELS.get(o.kind, o.kind),
                "needs_allow": needs_allow,
                "decision": decision,
                "shared": decision == "allow" or (decision == "" and not needs_allow),
            }
        )
    categories = []
    for code, label, hint in SENSITIVE:
        decision = choices.decision_for("", code)
        categories.append(
            {
                "code": code,
                "label": label or category_label(code),
                "hint": hint,
                "decision": decision,
                "shared": decision != "refuse",
            }
        )
    return {
        "organisations": organisations,
        "categories": categories,
        "opted_out": choices.opted_out_of_secondary_use,
    }


@person_required
@require_http_methods(["GET", "POST"])
def sharing(request, person, by):
    """Sharing per organisation that holds records, per sensitive category, and the
    secondary-use opt-out. Saving records only what changed, each through its action."""
    rows = _sharing_rows(access_queries.sharing_choices(person, by=by))
    if request.method == "POST":
        for o in rows["organisations"]:
            wanted = request.POST.get(f"org:{o['code']}")
            if wanted in ("allow", "refuse") and (wanted == "allow") != o["shared"]:
                actions.set_sharing_choice(
                    person=person,
                    organisation=access_queries.holding_organisation(o["code"]),
                    decision=wanted,
                    by=by,
                )
        for c in rows["categories"]:
            wanted = request.POST.get(f"cat:{c['code']}")
            if wanted in ("allow", "refuse") and (wanted == "allow") != c["shared"]:
                actions.set_sharing_choice(
                    person=person, category=c["code"], decision=wanted, by=by
                )
        wanted = request.POST.get("secondary_use")
        if wanted in ("allow", "opt_out") and (wanted == "opt_out") != rows["opted_out"]:
            actions.set_secondary_use_opt_out(person=person, opted_out=wanted == "opt_out", by=by)
        return redirect(reverse("portal-sharing") + "?saved=1")
    context = {"choices": rows, "saved": request.GET.get("saved") == "1", **_portal(request)}
    return render(request, "portal/sharing.html", context)


@person_required
@require_GET
def access_log(request, person, by):
    """Everyone who has looked at, or tried to look at, the person's record: a page at a
    time, filtered by organisation and dates (all in the address, so Back works)."""
    date_from, date_to, date_errors = read_date_range(request.GET)
    organisation = request.GET.get("organisation", "").strip()
    log = access_log_page(
        person,
        by=by,
        organisation=organisation,
        date_from=date_from,
        date_to=date_to,
        page=_page(request),
    )
    kept = [("organisation", organisation)] if organisation else []
    kept += [
        (f"{name}-{part}", value)
        for name in ("from", "to")
        for part, value in date_parts(request.GET, name).items()
        if value
    ]
    context = {
        "log": log,
        "entries": log.entries,
        "date_values": request.GET,
        "date_errors": date_errors,
        "page_query": urlencode(kept) + "&" if kept else "",
        **_portal(request),
    }
    return render(request, "portal/access_log.html", context)


def _page(request) -> int:
    return int_param(request, "page", 1, minimum=1)
