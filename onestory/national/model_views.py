"""A partnership's integration model (ADR 0033): the model now and in any quarter, the
version history, and the form a commissioner records a new version with. Thin: reads from
`model_queries`, the change through `actions.record_model`."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission
from onestory.bcf.domain.plan import SCHEME_TYPES, SOURCES
from onestory.national import actions, model_queries
from onestory.national.domain.models_in_time import InitiativeSpell
from onestory.national.domain.published import quarter_label
from onestory.national.models import IntegrationModel


@login_required
@require_GET
def index(request):
    by = actor_for_user(request.user, "page")
    found = model_queries.partnerships(by=by)
    if len(found) == 1 and not has_permission(by, Permission.VIEW_NATIONAL):
        return redirect("integration-model", code=found[0][0])
    return render(request, "national/model_index.html", {"partnerships": found})


@login_required
@require_GET
def partnership(request, code: str):
    by = actor_for_user(request.user, "page")
    quarter = request.GET.get("quarter", "")
    errors = {}
    try:
        page = model_queries.partnership_model(code, by=by, quarter=quarter)
    except ValueError as e:
        errors["quarter"] = str(e)
        page = model_queries.partnership_model(code, by=by)
    context = {
        "page": page,
        "errors": errors,
        "asked": quarter,
        "quarter_words": _words(page.quarter),
        "now_words": _words(page.now),
        "done": request.GET.get("done") == "1",
    }
    return render(request, "national/model_page.html", context, status=400 if errors else 200)


def _words(quarter: str) -> str:
    try:
        return quarter_label(quarter) if quarter else ""
    except ValueError:
        return quarter


def _posted(request, initiatives) -> dict:
    post = request.POST
    chosen = set(post.getlist("initiative"))
    return {
        "from_quarter": post.get("from_quarter", "").strip(),
        "budget": post.get("budget", ""),
        "host": post.get("host", ""),
        "lead_commissioner": post.get("lead_commissioner", ""),
        "section75_scope": post.get("section75_scope", ""),
        "section75_schemes": post.getlist("section75_schemes"),
        "section75_sources": post.getlist("section75_sources"),
        "record_sharers": post.getlist("record_sharers"),
        "mdt": post.get("mdt", ""),
        "reason": post.get("reason", ""),
        "initiatives": [
            InitiativeSpell(
                i,
                post.get(f"from-{i}", "").strip().upper(),
                post.get(f"to-{i}", "").strip().upper(),
            )
            for i in sorted(chosen)
        ],
    }


def _prefilled(data) -> dict:
    v = data.current
    if v is None:
        return {"budget": "aligned", "mdt": "none", "initiatives": []}
    return {
        "budget": v.budget,
        "host": v.host,
        "lead_commissioner": v.lead_commissioner,
        "section75_schemes": list(v.section75_schemes),
        "section75_sources": list(v.section75_sources),
        "record_sharers": list(v.record_sharers),
        "mdt": v.mdt,
        "initiatives": list(v.initiatives),
    }


@login_required
@require_http_methods(["GET", "POST"])
def new_version(request, code: str):
    by = actor_for_user(request.user, "page")
    data = model_queries.form_data(code, by=by)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _posted(request, data.initiatives)
        try:
            actions.record_model(partnership=code, by=by, **values)
        except actions.ModelProblems as e:
            errors = e.errors
        else:
            return redirect(reverse("integration-model", args=[code]) + "?done=1")
    else:
        values = _prefilled(data)
    spells = {s.initiative: s for s in values.get("initiatives", [])}
    rows = [
        {
            "id": str(i.external_id),
            "name": i.name,
            "chosen": str(i.external_id) in spells,
            "from": spells[str(i.external_id)].from_quarter if str(i.external_id) in spells else "",
            "to": spells[str(i.external_id)].to_quarter if str(i.external_id) in spells else "",
            "error": errors.get(f"initiative-{i.external_id}", ""),
        }
        for i in data.initiatives
    ]
    context = {
        "place": data.place,
        "values": values,
        "errors": errors,
        "organisations": data.organisations,
        "commissioners": data.commissioners,
        "initiative_rows": rows,
        "budget_choices": IntegrationModel.Budget.choices,
        "mdt_choices": IntegrationModel.Mdt.choices,
        "schemes": SCHEME_TYPES,
        "sources": SOURCES,
        "has_current": data.current is not None,
    }
    return render(request, "national/model_form.html", context, status=400 if errors else 200)
