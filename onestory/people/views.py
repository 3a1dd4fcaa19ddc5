"""The linkage review queue: thin views over `people.queries` (reads, checked and audited)
and `people.actions.decide_pair` (the one way a decision is made)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onestory.access.policy import actor_for_user
from onestory.people import queries
from onestory.people.actions import decide_pair
from onestory.people.models import LinkDecision


@login_required
@require_GET
def review_queue(request):
    """Uncertain pairs of the current run nobody has decided yet."""
    by = actor_for_user(request.user, "page")
    return render(request, "people/review_queue.html", {"pairs": queries.list_review_pairs(by=by)})


@login_required
@require_http_methods(["GET", "POST"])
def review_pair(request, pair_id: int):
    """One pair side by side; POST decides it (link / don't link) with an optional reason."""
    by = actor_for_user(request.user, "page")
    review = queries.review_pair(by=by, pair_id=pair_id)
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision in {LinkDecision.LINK, LinkDecision.NO_LINK}:
            decide_pair(
                by=by,
                record_a=review.pair.record_a_id,
                record_b=review.pair.record_b_id,
                decision=decision,
                reason=request.POST.get("reason", "").strip(),
            )
            messages.success(request, "Decision saved. The next linkage run applies it.")
            return redirect("identity-review")
        return render(
            request,
            "people/review_pair.html",
            {"review": review, "error": "Choose same person or not the same person."},
            status=400,
        )
    return render(request, "people/review_pair.html", {"review": review})
