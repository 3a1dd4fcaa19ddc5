"""The person's own side of pooling: the shared services they are invited to join or pay
into, and their own answer. Signed in as the person or their representative."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from onestory.market import pool_actions, pool_queries
from onestory.market.views import fail, messages
from onestory.portal.views import _portal, person_required


@person_required
@require_GET
def my_pools(request, person, by):
    return render(
        request,
        "market/my_pools.html",
        {
            "memberships": pool_queries.my_memberships(person, by=by),
            **messages(request),
            **_portal(request),
        },
    )


@person_required
@require_POST
def my_answer(request, person, by, member_id):
    member = next(
        (
            m
            for m in pool_queries.my_memberships(person, by=by)
            if str(m.external_id) == str(member_id)
        ),
        None,
    )
    if member is None:
        fail(request, ValidationError("That invitation is not yours."))
        return redirect("market-my-pools")
    try:
        pool_actions.record_consent(
            member=member,
            given_by=by.role,
            agreement=request.POST.get("agreement", ""),
            decline=request.POST.get("decision") == "decline",
            by=by,
        )
    except ValidationError as error:
        fail(request, error)
    else:
        request.session["mk_done"] = (
            "Thank you: you have said no."
            if request.POST.get("decision") == "decline"
            else "Thank you: your share is now part of your budget."
        )
    return redirect("market-my-pools")
