"""Reads of the person index for the review queue. Both records of a pair carry
demographics, so every read needs `REVIEW_LINKAGE` and is audited (ids only)."""

from dataclasses import dataclass

from django.http import Http404

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.actions import current_run, linkage_records
from onestory.people.domain.explain import FieldAgreement, explain_pair
from onestory.people.models import LinkDecision, ReviewPair
from onestory.sources.models import SourceRecord


def _decided_pairs(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], LinkDecision]:
    """The latest decision on each of these pairs, where there is one."""
    if not pairs:
        return {}
    ids = {i for pair in pairs for i in pair}
    latest: dict[tuple[int, int], LinkDecision] = {}
    for d in LinkDecision.objects.filter(record_a_id__in=ids, record_b_id__in=ids).order_by(
        "decided_at", "id"
    ):
        latest[(d.record_a_id, d.record_b_id)] = d
    return {p: latest[p] for p in pairs if p in latest}


def list_review_pairs(*, by: Actor, limit: int = 200) -> list[ReviewPair]:
    """The current run's uncertain pairs nobody has decided yet, most likely first."""
    require(by, Permission.REVIEW_LINKAGE)
    run = current_run()
    if run is None:
        return []
    pairs = list(
        ReviewPair.objects.filter(run=run).select_related("record_a__system", "record_b__system")
    )
    decided = _decided_pairs([(p.record_a_id, p.record_b_id) for p in pairs])
    open_pairs = [p for p in pairs if (p.record_a_id, p.record_b_id) not in decided][:limit]
    record_event(
        by=by,
        action="people.view_review_queue",
        detail={"run": run.version, "pairs": len(open_pairs)},
    )
    return open_pairs


@dataclass
class PairReview:
    pair: ReviewPair
    a: SourceRecord
    b: SourceRecord
    fields: list[FieldAgreement]
    decision: LinkDecision | None


def review_pair(*, by: Actor, pair_id: int) -> PairReview:
    """One queued pair: both records side by side, each field's agreement explained, and
    any decision already taken. The read is audited with the two record ids."""
    require(by, Permission.REVIEW_LINKAGE)
    try:
        pair = ReviewPair.objects.select_related("record_a__system", "record_b__system").get(
            pk=pair_id
        )
    except ReviewPair.DoesNotExist as exc:
        raise Http404("No such pair") from exc
    a_view, b_view = linkage_records(
        SourceRecord.objects.filter(pk__in=[pair.record_a_id, pair.record_b_id])
    )
    key = (pair.record_a_id, pair.record_b_id)
    decision = _decided_pairs([key]).get(key)
    record_event(
        by=by,
        action="people.view_review_pair",
        detail={"pair": pair.pk, "records": list(key)},
    )
    return PairReview(pair, pair.record_a, pair.record_b, explain_pair(a_view, b_view), decision)
