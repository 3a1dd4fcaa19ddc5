"""Merges that cannot join two different people silently.

A merge is asked for with a reason. When the two identities do not conflict it is made at
once; when they conflict (different valid NHS numbers, dates of birth more than a
transposition apart, different sex: `domain.conflicts`) it waits, changing nothing, until a
different officer with the same permission confirms it (four eyes) — or refuses it, or the
one who asked withdraws it. Each change of state is one audit event: `people.merge_requested`,
`people.merge` (the merge itself, naming the request), `people.merge_refused`,
`people.merge_withdrawn`. Audit details hold ids and field names, never values."""

from dataclasses import dataclass
from itertools import islice

from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.actions import (
    ConflictingIdentities,
    checked_reason,
    current_run,
    decide_and_apply,
    join_people,
    linkage_records,
)
from onestory.people.domain.conflicts import (
    Conflict,
    IdentityFacts,
    identity_conflicts,
    may_confirm,
    strongest_evidence,
)
from onestory.people.domain.explain import explain_pair
from onestory.people.models import LinkDecision, MergeRequest, PersonLink, ReviewPair
from onestory.sources.models import SourceRecord

# Evidence compares at most this many records of each person (people hold a handful).
EVIDENCE_RECORDS = 40


def _records_of(person_ids: tuple[int, int]):
    """Each person's linkage view of the records they hold in the current run."""
    run = current_run()
    if run is None:
        raise ValueError("there is no person index run yet")
    held: dict[int, list[int]] = {p: [] for p in person_ids}
    for record_id, person_id in PersonLink.objects.filter(
        run=run, person_id__in=person_ids
    ).values_list("record_id", "person_id"):
        held[person_id].append(record_id)
    if any(not ids for ids in held.values()):
        raise ValueError("both people must hold records in the current run")
    views = {
        r.id: r for r in linkage_records(SourceRecord.objects.filter(pk__in=sum(held.values(), [])))
    }
    return [[views[r] for r in sorted(held[p])] for p in person_ids]


def compare_people(person_ids: tuple[int, int]) -> tuple[list[Conflict], list[dict]]:
    """The conflicts between two people's identities (with values, for the page) and the
    evidence a merge of them rests on (words only, kept on the merge)."""
    first, second = _records_of(person_ids)

    def facts(records):
        return [IdentityFacts(r.nhs_number or "", r.date_of_birth, r.sex or "") for r in records]

    conflicts = identity_conflicts(facts(first), facts(second))
    explained = (
        explain_pair(x, y)
        for x in islice(first, EVIDENCE_RECORDS)
        for y in islice(second, EVIDENCE_RECORDS)
    )
    evidence = [
        {"field": f.field, "outcome": f.outcome, "explanation": f.explanation}
        for f in strongest_evidence(explained)
    ]
    return conflicts, evidence


def request_merge(
    *, by: Actor, people: tuple[int, int], reason: str, allow_pending: bool = True
) -> MergeRequest:
    """Ask to merge two people. Without conflicts the merge is made at once (the request
    is `merged`, with the run it made). With conflicts the request is `pending` and nothing
    changes until another officer confirms it; `allow_pending=False` (the command line)
    refuses such a pair with ConflictingIdentities instead."""
    require(by, Permission.REVIEW_LINKAGE)
    reason = checked_reason(reason, by)
    if not reason:
        raise ValueError("a merge needs a reason")
    a, b = people
    if a == b:
        raise ValueError("a person cannot be merged with themself")
    with transaction.atomic():
        conflicts, evidence = compare_people((a, b))
        if conflicts and not allow_pending:
            raise ConflictingIdentities(
                "These two people's "
                + " and ".join(c.label for c in conflicts)
                + " conflict: the merge needs a second officer's confirmation on the "
                "identity pages."
            )
        request = MergeRequest.objects.create(
            first_id=a,
            second_id=b,
            reason=reason[:500],
            conflicts=[c.field for c in conflicts],
            evidence=evidence,
            requested_by=by.label,
            requested_by_id=by.id,
        )
        if conflicts:
            record_event(
                by=by,
                action="people.merge_requested",
                detail={
                    "merge_request": request.pk,
                    "people": [a, b],
                    "conflicts": request.conflicts,
                },
            )
            return request
        return _make(request, by, confirmed=False)


def _make(request: MergeRequest, by: Actor, *, confirmed: bool) -> MergeRequest:
    run = join_people(
        by,
        request.first_id,
        request.second_id,
        request.reason,
        detail={
            "merge_request": request.pk,
            "conflicts": request.conflicts,
            "confirmed": confirmed,
        },
    )
    request.status = MergeRequest.MERGED
    request.run = run
    request.decided_at = timezone.now()
    request.decided_by = by.label
    request.decided_by_id = by.id
    request.save(update_fields=["status", "run", "decided_at", "decided_by", "decided_by_id"])
    return request


def _pending(request_id: int) -> MergeRequest:
    request = MergeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise ValueError("No such merge request.")
    if not request.pending:
        raise ValueError("This merge request has already been decided.")
    return request


def confirm_merge(*, by: Actor, request_id: int) -> MergeRequest:
    """A second officer (not the one who asked; same permission) confirms a pending merge,
    which is then made. The conflicts are checked again: when the people changed since
    (an unmerge, another merge), the request must be asked for again."""
    require(by, Permission.REVIEW_LINKAGE)
    with transaction.atomic():
        request = _pending(request_id)
        if not may_confirm(request.requested_by_id, by.id):
            raise ValueError("You asked for this merge: a different officer must confirm it.")
        conflicts, evidence = compare_people((request.first_id, request.second_id))
        if [c.field for c in conflicts] != request.conflicts:
            raise ValueError("These people have changed since the merge was asked for: ask again.")
        request.evidence = evidence
        request.save(update_fields=["evidence"])
        return _make(request, by, confirmed=True)


def decline_merge(*, by: Actor, request_id: int, note: str = "") -> MergeRequest:
    """Refuse a pending merge (a different officer) or withdraw it (the one who asked).
    Nothing is merged; the request stays as history."""
    require(by, Permission.REVIEW_LINKAGE)
    note = checked_reason(note, by)
    with transaction.atomic():
        request = _pending(request_id)
        withdrawn = request.requested_by_id == by.id
        if not withdrawn and not note:
            raise ValueError("Say why these are not the same person.")
        request.status = MergeRequest.WITHDRAWN if withdrawn else MergeRequest.REFUSED
        request.decided_at = timezone.now()
        request.decided_by = by.label
        request.decided_by_id = by.id
        request.note = note[:500]
        request.save(update_fields=["status", "decided_at", "decided_by", "decided_by_id", "note"])
        record_event(
            by=by,
            action="people.merge_withdrawn" if withdrawn else "people.merge_refused",
            detail={"merge_request": request.pk, "people": [request.first_id, request.second_id]},
        )
    return request


def link_on_review(
    *, by: Actor, record_a: int, record_b: int, reason: str = ""
) -> MergeRequest | None:
    """A reviewer says two records are the same person. When the people holding them now
    have conflicting identities, the join waits for a second officer like any conflicting
    merge (the pending request is returned, nothing is joined or decided yet); otherwise
    the decision is recorded and applied at once (None)."""
    require(by, Permission.REVIEW_LINKAGE)
    holders = dict(
        PersonLink.objects.filter(
            run__is_current=True, record_id__in=[record_a, record_b]
        ).values_list("record_id", "person_id")
    )
    a, b = holders.get(record_a), holders.get(record_b)
    if a is not None and b is not None and a != b:
        conflicts, _evidence = compare_people((a, b))
        if conflicts:
            return request_merge(
                by=by,
                people=(a, b),
                reason=reason or "Same person, on review of a linkage pair",
            )
    decide_and_apply(
        by=by, record_a=record_a, record_b=record_b, decision=LinkDecision.LINK, reason=reason
    )
    return None


@dataclass
class BatchOutcome:
    decided: int  # pairs decided and applied now
    waiting: list[MergeRequest]  # "same person" on conflicting identities: a second officer


def decide_review_batch(
    *, by: Actor, pair_ids: list[int], decision: str, reason: str = ""
) -> BatchOutcome:
    """One reviewer's decision on several pairs of the current queue in one submission.
    Each pair is still its own decision with its own audit event, made exactly as on the
    pair's own page: "same person" on two people whose identities conflict waits for a
    second officer (four eyes) like any conflicting merge; the rest apply at once."""
    require(by, Permission.REVIEW_LINKAGE)
    if decision not in (LinkDecision.LINK, LinkDecision.NO_LINK):
        raise ValueError("Choose same person or not the same person.")
    pairs = list(
        ReviewPair.objects.filter(pk__in=pair_ids, run__is_current=True)
        .order_by("id")
        .values_list("record_a_id", "record_b_id")
    )
    if not pairs:
        raise ValueError("Select at least one pair from the queue.")
    outcome = BatchOutcome(decided=0, waiting=[])
    for a, b in pairs:
        if decision == LinkDecision.LINK:
            pending = link_on_review(by=by, record_a=a, record_b=b, reason=reason)
            if pending is not None:
                outcome.waiting.append(pending)
                continue
        else:
            decide_and_apply(by=by, record_a=a, record_b=b, decision=decision, reason=reason)
        outcome.decided += 1
    return outcome
