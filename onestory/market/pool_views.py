"""Pages for people commissioning together, for the staff who hold their budgets: the pools,
one pool with the members the reader may see, adding a member (with their share and
consent), recording consent, and a member leaving. Thin: parse, call, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, require
from onestory.budgets.models import BudgetStream
from onestory.market import pool_actions, pool_queries
from onestory.market.domain import pools
from onestory.market.models import Service
from onestory.market.views import fail, messages, parse_date, parse_pence


def _choices() -> dict:
    return {"periods": list(pools.PERIODS.items()), "consent_by": list(pools.CONSENT_BY.items())}


def _service(value: str) -> Service:
    try:
        return Service.objects.get(external_id=value)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        raise ValidationError("Choose the service the pool buys.") from None


@login_required
@require_GET
def pools_page(request):
    by = actor_for_user(request.user)
    views = pool_queries.pools_list(by=by)
    return render(
        request,
        "market/pools.html",
        {
            "pools": views,
            "services": pool_queries.services_for_pools(),
            **_choices(),
            **messages(request),
        },
    )


@login_required
@require_POST
def pool_new(request):
    by = actor_for_user(request.user)
    require(by, Permission.MANAGE_BUDGETS)  # before reading the form
    try:
        service = _service(request.POST.get("service", ""))
        cost = parse_pence(request.POST.get("cost", ""), "the cost each period")
        pool = pool_actions.create_pool(
            name=request.POST.get("name", ""),
            service=service,
            period=request.POST.get("period", ""),
            cost_pence=cost or 0,
            start=parse_date(request.POST.get("start", ""), "the start date"),
            by=by,
        )
    except ValidationError as error:
        fail(request, error)
        return redirect("market-pools")
    request.session["mk_done"] = "Pool set up. Add its members."
    return redirect("market-pool", pool.external_id)


@login_required
@require_GET
def pool_page(request, pool_id):
    by = actor_for_user(request.user)
    view = pool_queries.pool(pool_id, by=by)
    return render(
        request,
        "market/pool.html",
        {
            "view": view,
            "pool": view.pool,
            "streams": pool_queries.stream_choices(by=by),
            **_choices(),
            **messages(request),
        },
    )


@login_required
@require_POST
def member_add(request, pool_id):
    by = actor_for_user(request.user)
    view = pool_queries.pool(pool_id, by=by)
    try:
        stream = BudgetStream.objects.select_related("budget__person").get(
            external_id=request.POST.get("stream", "")
        )
    except (ObjectDoesNotExist, ValueError, ValidationError):
        fail(request, ValidationError("Choose whose budget the share comes from."))
        return redirect("market-pool", view.pool.external_id)
    try:
        pool_actions.add_member(
            pool=view.pool,
            stream=stream,
            share_pence=parse_pence(request.POST.get("share", ""), "the share") or 0,
            start=parse_date(request.POST.get("start", ""), "the date the share starts"),
            consent_by=request.POST.get("consent_by", ""),
            agreement=request.POST.get("agreement", ""),
            by=by,
        )
    except ValidationError as error:
        fail(request, error)
    else:
        request.session["mk_done"] = "Member added."
    return redirect("market-pool", view.pool.external_id)


@login_required
@require_POST
def member_consent(request, member_id):
    by = actor_for_user(request.user)
    member = pool_queries.member(member_id, by=by)
    try:
        pool_actions.record_consent(
            member=member,
            given_by=request.POST.get("consent_by", ""),
            agreement=request.POST.get("agreement", ""),
            decline=request.POST.get("decision") == "decline",
            by=by,
        )
    except ValidationError as error:
        fail(request, error)
    else:
        request.session["mk_done"] = "Consent recorded."
    return redirect("market-pool", member.pool.external_id)


@login_required
@require_POST
def member_exit(request, member_id):
    by = actor_for_user(request.user)
    member = pool_queries.member(member_id, by=by)
    try:
        pool_actions.exit_member(
            member=member,
            on=parse_date(request.POST.get("on", ""), "the date the share stops"),
            reason=request.POST.get("reason", ""),
            by=by,
        )
    except ValidationError as error:
        fail(request, error)
    else:
        request.session["mk_done"] = "The member has left the pool; their share stops."
    return redirect("market-pool", member.pool.external_id)
