"""The identity pages: thin views over `people.queries` (reads, checked and audited) and
`people.actions` (decisions, merges and unmerges: the one way each is made)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, require
from onestory.people import queries
from onestory.people.actions import current_run, decide_and_apply, unmerge_records
from onestory.people.merge_actions import (
    confirm_merge,
    decide_review_batch,
    decline_merge,
    link_on_review,
    request_merge,
)
from onestory.people.models import LinkDecision, Person, PersonLink


@login_required
@require_GET
def review_queue(request):
    """Uncertain pairs of the current run nobody has decided yet."""
    by = actor_for_user(request.user, "page")
    pairs = queries.list_review_pairs(by=by)
    return render(
        request,
        "people/review_queue.html",
        {
            "pairs": pairs,
            "merges": queries.pending_merges(by=by),
            "summary": queries.queue_summary(by=by),
        },
    )


@login_required
@require_http_methods(["POST"])
def review_batch(request):
    """Several pairs of the queue decided in one submission (each its own audited
    decision; conflicting "same person" pairs wait for a second officer)."""
    by = actor_for_user(request.user, "page")
    pair_ids = [int(i) for i in request.POST.getlist("pair") if i.isdigit()]
    try:
        outcome = decide_review_batch(
            by=by,
            pair_ids=pair_ids,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", "").strip(),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("identity-review")
    text = f"{outcome.decided} pair{'s' if outcome.decided != 1 else ''} decided."
    if outcome.waiting:
        n = len(outcome.waiting)
        text += (
            f" {n} merge{'s' if n != 1 else ''} of conflicting identities "
            f"{'wait' if n != 1 else 'waits'} for a second data-quality officer."
        )
    messages.success(request, text)
    return redirect("identity-review")


def _holder(record_id: int) -> Person | None:
    link = PersonLink.objects.filter(run=current_run(), record_id=record_id).first()
    return link.person if link else None


@login_required
@require_http_methods(["GET", "POST"])
def review_pair(request, pair_id: int):
    """One pair side by side; POST decides it (link / don't link) with an optional reason.
    A link joins the two people at once and shows the person it made."""
    by = actor_for_user(request.user, "page")
    review = queries.review_pair(by=by, pair_id=pair_id)
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        reason = request.POST.get("reason", "").strip()
        a, b = review.pair.record_a_id, review.pair.record_b_id
        if decision == LinkDecision.LINK:
            try:
                pending = link_on_review(by=by, record_a=a, record_b=b, reason=reason)
            except ValueError as exc:
                context = {"review": review, "error": str(exc)}
                return render(request, "people/review_pair.html", context, status=400)
            if pending is not None:
                messages.warning(
                    request,
                    "These two people's identities conflict, so the merge waits for a second "
                    "data-quality officer to confirm it.",
                )
                return redirect("identity-merge-request", request_id=pending.pk)
            if person := _holder(a):
                messages.success(request, "Linked: both records now belong to this person.")
                return redirect("identity-person", person_id=person.external_id)
            return redirect("identity-review")
        if decision == LinkDecision.NO_LINK:
            decide_and_apply(by=by, record_a=a, record_b=b, decision=decision, reason=reason)
            messages.success(request, "Decision saved: the records stay apart in every run.")
            return redirect("identity-review")
        return render(
            request,
            "people/review_pair.html",
            {"review": review, "error": "Choose same person or not the same person."},
            status=400,
        )
    return render(request, "people/review_pair.html", {"review": review})


def _officer(request):
    """The signed-in data-quality officer (or anyone with REVIEW_LINKAGE), checked before
    anything is looked up."""
    by = actor_for_user(request.user, "page")
    require(by, Permission.REVIEW_LINKAGE)
    return by


def _person(person_id) -> Person:
    try:
        return Person.objects.get(external_id=person_id)
    except Person.DoesNotExist as exc:
        raise Http404("No such person") from exc


@login_required
@require_http_methods(["GET", "POST"])
def person(request, person_id):
    """A person's identity: the source records the current run gives them, the history of
    decisions, merges and unmerges, and (POST) splitting chosen records off into a person
    of their own, with a reason."""
    by = _officer(request)
    subject = _person(person_id)
    errors: dict[str, str] = {}
    chosen: list[str] = []
    reason = ""
    if request.method == "POST":
        chosen = request.POST.getlist("record")
        reason = request.POST.get("reason", "").strip()
        identity = queries.person_identity(by=by, person=subject)
        held = {str(h.record.pk) for h in identity.records}
        if not chosen or not set(chosen) <= held:
            errors["record"] = "Choose the records to split off into a separate person."
        elif set(chosen) == held:
            errors["record"] = "Leave this person at least one record."
        if not reason:
            errors["reason"] = "Say why these records are not this person."
        split: list[int] = []
        if not errors:
            split = sorted(int(r) for r in chosen)
            try:
                unmerge_records(by=by, person=subject.pk, record_ids=split, reason=reason)
            except ValueError as exc:
                errors["reason"] = str(exc)
        if not errors:
            other = _holder(split[0])
            messages.success(
                request,
                f"{len(split)} record{'s' if len(split) != 1 else ''} split off into "
                "a separate person.",
            )
            request.session["identity_split_to"] = str(other.external_id) if other else ""
            return redirect("identity-person", person_id=subject.external_id)
    identity = queries.person_identity(by=by, person=subject)
    split_to = request.session.pop("identity_split_to", "") if request.method == "GET" else ""
    return render(
        request,
        "people/person.html",
        {
            "identity": identity,
            "errors": errors,
            "chosen": chosen,
            "reason": reason,
            "split_to": split_to,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def merge(request):
    """Find two people (by person id or NHS number), see them side by side with their
    source records, and merge them with a reason."""
    by = _officer(request)
    data = request.POST if request.method == "POST" else request.GET
    terms = {"first": data.get("first", "").strip(), "second": data.get("second", "").strip()}
    reason = request.POST.get("reason", "").strip() if request.method == "POST" else ""
    errors: dict[str, str] = {}
    found: dict[str, queries.PersonIdentity] = {}
    if any(terms.values()):
        for key, term in terms.items():
            try:
                found[key] = queries.person_identity(
                    by=by, person=queries.find_person(by=by, term=term)
                )
            except queries.NotFound as exc:
                errors[key] = str(exc)
        if len(found) == 2 and found["first"].person.pk == found["second"].person.pk:
            errors["second"] = "That is the same person: choose someone else."
        for key, identity in found.items():
            if key not in errors and not identity.records:
                errors[key] = "This person holds no records in the current index."
    ready = len(found) == 2 and not {"first", "second"} & errors.keys()
    conflicts = (
        queries.merge_conflicts(by=by, first=found["first"].person, second=found["second"].person)
        if ready
        else []
    )
    if request.method == "POST" and not errors:
        if len(found) < 2:
            errors["first"] = errors.get("first") or "Find both people first."
        elif any(
            request.POST.get(f"shown_{key}") != str(identity.person.external_id)
            for key, identity in found.items()
        ):
            # the search terms changed since the two were shown: show the new pair first
            errors["first"] = "Check these two people before merging them."
        elif not reason:
            errors["reason"] = "Say why these are the same person."
        else:
            try:
                made = request_merge(
                    by=by,
                    people=(found["first"].person.pk, found["second"].person.pk),
                    reason=reason,
                )
            except ValueError as exc:
                errors["reason"] = str(exc)
            else:
                if made.pending:
                    messages.success(
                        request,
                        "Asked for a second officer's confirmation: nothing is merged until "
                        "a different data-quality officer confirms it.",
                    )
                    return redirect("identity-merge-request", request_id=made.pk)
                survivor = _holder(found["first"].records[0].record.pk)
                messages.success(request, "Merged: all the records now belong to this person.")
                return redirect("identity-person", person_id=survivor.external_id)
    return render(
        request,
        "people/merge.html",
        {
            "terms": terms,
            "found": found,
            "errors": errors,
            "reason": reason,
            "ready": ready,
            "conflicts": conflicts,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def merge_request(request, request_id: int):
    """A merge of conflicting identities waiting for a second officer: the conflicting
    fields side by side, both people's records, the reason and who asked. POST confirms it
    (a different officer), refuses it with a reason, or withdraws it (the one who asked)."""
    by = _officer(request)
    error = ""
    note = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "").strip()
        try:
            if action == "confirm":
                made = confirm_merge(by=by, request_id=request_id)
                link = PersonLink.objects.filter(
                    run=made.run, person_id__in=[made.first_id, made.second_id]
                ).first()
                survivor = link.person
                messages.success(request, "Merged: all the records now belong to this person.")
                return redirect("identity-person", person_id=survivor.external_id)
            if action in ("refuse", "withdraw"):
                done = decline_merge(by=by, request_id=request_id, note=note)
                messages.success(
                    request,
                    "Withdrawn: nothing was merged."
                    if done.status == done.WITHDRAWN
                    else "Refused: nothing was merged.",
                )
                return redirect("identity-review")
            error = "Choose to confirm or refuse the merge."
        except ValueError as exc:
            error = str(exc)
    review = queries.merge_review(by=by, request_id=request_id)
    return render(
        request,
        "people/merge_request.html",
        {"review": review, "error": error, "note": note},
        status=400 if error else 200,
    )
