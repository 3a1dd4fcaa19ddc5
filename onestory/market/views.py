"""The care market's pages for commissioners (who keep it) and analysts (who read it):
the market, a provider, a service, a contract, decommissioning with its impact first, and
the services CSV. Thin: parse the form, call the audited actions and queries, render."""

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission
from onestory.budgets.domain.money import pounds_to_pence
from onestory.commissioning.domain import suppression
from onestory.market import actions, pool_queries, queries
from onestory.market.domain import contracts
from onestory.market.models import PriceUnit, ServiceType


def flash(request, key: str):
    return request.session.pop(f"mk_{key}", "")


def messages(request) -> dict:
    return {"error": flash(request, "error"), "done": flash(request, "done")}


def fail(request, error: ValidationError) -> None:
    request.session["mk_error"] = " ".join(error.messages)


def parse_date(value: str, label: str, *, required: bool = True) -> date | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(f"Enter {label}, like 2026-04-01.")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"Enter {label} as a date, like 2026-04-01.") from None


def parse_pence(value: str, label: str) -> int | None:
    value = (value or "").strip().replace("£", "").replace(",", "")
    if not value:
        return None
    try:
        pence = pounds_to_pence(value)
    except ValueError:
        raise ValidationError(f"Enter {label} in pounds, like 24.50") from None
    if pence < 0:
        raise ValidationError(f"{label.capitalize()} cannot be negative.")
    return pence


def parse_count(value: str, label: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError(f"Enter {label} as a whole number, like 12.")
    return int(value)


def _service_values(post) -> dict:
    return {
        "name": post.get("name", ""),
        "service_type": post.get("service_type", ""),
        "capacity": parse_count(post.get("capacity", ""), "the places"),
        "vacancies": parse_count(post.get("vacancies", ""), "the vacancies"),
        "unit_price_pence": parse_pence(post.get("unit_price", ""), "the unit price"),
        "unit": post.get("unit", PriceUnit.HOUR),
        "record_code": post.get("record_code", ""),
        "record_org_code": post.get("record_org_code", ""),
    }


def _contract_values(post) -> dict:
    return {
        "reference": post.get("reference", ""),
        "kind": post.get("kind", ""),
        "start": parse_date(post.get("start", ""), "the start date"),
        "end": parse_date(post.get("end", ""), "the end date", required=False),
        "value_pence": parse_pence(post.get("value", ""), "the value"),
        "volume": parse_count(post.get("volume", ""), "the volume"),
        "flexibility": [a for a in post.getlist("flexibility") if a in contracts.ASPECTS],
        "flexibility_note": post.get("flexibility_note", ""),
    }


def _forms() -> dict:
    return {
        "service_types": ServiceType.choices,
        "units": PriceUnit.choices,
        "kinds": list(contracts.KINDS.items()),
        "aspects": list(contracts.ASPECTS.items()),
        "threshold": suppression.THRESHOLD,
    }


@login_required
@require_GET
def market(request):
    by = actor_for_user(request.user)
    page = queries.market(by=by)
    pooled = pool_queries.aggregates(by=by)
    return render(
        request,
        "market/market.html",
        {"page": page, "pooled": pooled, **_forms(), **messages(request)},
    )


@login_required
@require_GET
def services_csv(request):
    by = actor_for_user(request.user)
    rows = queries.services_export(by=by)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="care-market-services.csv"'
    columns = [
        "provider",
        "provider_code",
        "service",
        "service_type",
        "status",
        "capacity",
        "vacancies",
        "unit_price_pence",
        "unit",
        "contracts_in_force",
        "contract_kinds",
        "people_using_now",
        "people_suppressed",
    ]
    writer = csv.writer(response)
    writer.writerow(columns)
    for row in rows:
        people = row["people_using_now"]
        row = {**row, "people_using_now": "" if people is None else people}
        row["people_suppressed"] = "yes" if people is None else "no"
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return response


@login_required
@require_POST
def provider_new(request):
    by = actor_for_user(request.user)
    try:
        provider = actions.create_provider(values=request.POST.dict(), by=by)
    except ValidationError as error:
        fail(request, error)
        return redirect("market")
    request.session["mk_done"] = "Provider added."
    return redirect("market-provider", provider.external_id)


@login_required
@require_GET
def provider(request, provider_id):
    by = actor_for_user(request.user)
    found = queries.provider(provider_id, by=by)
    return render(
        request,
        "market/provider.html",
        {
            "provider": found,
            "services": found.services.all(),
            "can_manage": has_permission(by, Permission.MANAGE_MARKET),
            **_forms(),
            **messages(request),
        },
    )


@login_required
@require_POST
def provider_edit(request, provider_id):
    by = actor_for_user(request.user)
    found = queries.provider(provider_id, by=by)
    try:
        actions.update_provider(provider=found, values=request.POST.dict(), by=by)
    except ValidationError as error:
        fail(request, error)
    else:
        request.session["mk_done"] = "Provider saved."
    return redirect("market-provider", found.external_id)


@login_required
@require_POST
def service_new(request, provider_id):
    by = actor_for_user(request.user)
    found = queries.provider(provider_id, by=by)
    try:
        service = actions.create_service(
            provider=found, values=_service_values(request.POST), by=by
        )
    except ValidationError as error:
        fail(request, error)
        return redirect("market-provider", found.external_id)
    request.session["mk_done"] = "Service added."
    return redirect("market-service", service.external_id)


@login_required
@require_GET
def service(request, service_id):
    by = actor_for_user(request.user)
    page = queries.service(service_id, by=by)
    return render(
        request,
        "market/service.html",
        {"page": page, "service": page.service, **_forms(), **messages(request)},
    )


@login_required
@require_POST
def service_edit(request, service_id):
    by = actor_for_user(request.user)
    page = queries.service(service_id, by=by)
    try:
        actions.update_service(service=page.service, values=_service_values(request.POST), by=by)
    except ValidationError as error:
        fail(request, error)
    else:
        request.session["mk_done"] = "Service saved."
    return redirect("market-service", page.service.external_id)


@login_required
@require_POST
def contract_new(request, service_id):
    by = actor_for_user(request.user)
    page = queries.service(service_id, by=by)
    try:
        contract = actions.create_contract(
            service=page.service, values=_contract_values(request.POST), by=by
        )
    except ValidationError as error:
        fail(request, error)
        return redirect("market-service", page.service.external_id)
    request.session["mk_done"] = "Contract added."
    return redirect("market-contract", contract.external_id)


@login_required
@require_GET
def contract(request, contract_id):
    by = actor_for_user(request.user)
    found = queries.contract(contract_id, by=by)
    wanted = [a for a in request.GET.getlist("wanted") if a in contracts.ASPECTS]
    check = None
    if wanted:
        check = contracts.check_variation(
            found.kind,
            found.flexibility,
            wanted,
            active=contracts.in_force(found.start, found.end, timezone.localdate()),
        )
    return render(
        request,
        "market/contract.html",
        {
            "contract": found,
            "service": found.service,
            "flexible": [
                (a, label, a in found.flexibility) for a, label in contracts.ASPECTS.items()
            ],
            "wanted": wanted,
            "check": check,
            "aspect_labels": contracts.ASPECTS,
            "can_manage": has_permission(by, Permission.MANAGE_MARKET),
            **_forms(),
            **messages(request),
        },
    )


@login_required
@require_POST
def contract_edit(request, contract_id):
    by = actor_for_user(request.user)
    found = queries.contract(contract_id, by=by)
    try:
        actions.update_contract(contract=found, values=_contract_values(request.POST), by=by)
    except ValidationError as error:
        fail(request, error)
    else:
        request.session["mk_done"] = "Contract saved."
    return redirect("market-contract", found.external_id)


@login_required
@require_http_methods(["GET", "POST"])
def decommission(request, service_id):
    """GET: the impact first (people using the service now and what their plans say they
    need, as suppressed counts). POST: the confirmed decision, kept with the impact shown."""
    by = actor_for_user(request.user)
    result = queries.decommission_impact(service_id, by=by)
    found = result["service"]
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("confirm") != "yes":
                raise ValidationError("Confirm that you have read the impact.")
            actions.decommission_service(
                service=found,
                effective_on=parse_date(request.POST.get("effective_on", ""), "the date it ends"),
                reason=request.POST.get("reason", ""),
                impact_shown=result["shown"],
                by=by,
            )
        except ValidationError as error_:
            error = " ".join(error_.messages)
        else:
            request.session["mk_done"] = "The decision to decommission the service is recorded."
            return redirect("market-service", found.external_id)
    return render(
        request,
        "market/decommission.html",
        {
            "service": found,
            "impact": result["impact"],
            "on": result["on"],
            "error": error,
            "can_manage": has_permission(by, Permission.MANAGE_MARKET),
            "threshold": suppression.THRESHOLD,
            "form": request.POST if request.method == "POST" else {},
        },
        status=400 if error else 200,
    )
