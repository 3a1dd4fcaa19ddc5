"""Reads of the person index for the review queue. Both records of a pair carry
demographics, so every read needs `REVIEW_LINKAGE` and is audited (ids only)."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.http import Http404

from onestory.access.domain.roles import Permission
from onestory.access.policy import (
    outside_partnership,
    outside_partnership_records,
    require,
)
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.actions import current_run, linkage_records
from onestory.people.domain import nhs_number
from onestory.people.domain.explain import FieldAgreement, explain_pair
from onestory.people.domain.harm import Impact, order_by_harm, queue_estimate
from onestory.people.domain.history import Decision, group_decisions
from onestory.people.models import LinkDecision, MergeRequest, Person, PersonLink, ReviewPair
from onestory.record.domain.dates import nhs_date
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


RECENT_DAYS = 365
_CHUNK = 5000


def _chunks(ids: list[int]):
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _impacts(run, pairs: list[ReviewPair]) -> dict[int, Impact]:
    """For each pair (by id): what is known about the two people its records belong to now
    (safeguarding, open care, recent activity, how many sources hold them). Counts and
    flags only; nothing here leaves this function except the `Impact`."""
    from datetime import timedelta

    from django.utils import timezone

    from onestory.sources.domain.facts import SAFEGUARDING
    from onestory.sources.models import SourceEvent

    record_ids = sorted({i for p in pairs for i in (p.record_a_id, p.record_b_id)})
    person_of: dict[int, int] = {}
    for chunk in _chunks(record_ids):
        person_of.update(
            PersonLink.objects.filter(run=run, record_id__in=chunk).values_list(
                "record_id", "person_id"
            )
        )
    people = sorted(set(person_of.values()))
    records_of: dict[int, set[int]] = {}
    systems_of: dict[int, set[int]] = {}
    for chunk in _chunks(people):
        for rid, pid, sid in PersonLink.objects.filter(run=run, person_id__in=chunk).values_list(
            "record_id", "person_id", "record__system_id"
        ):
            records_of.setdefault(pid, set()).add(rid)
            systems_of.setdefault(pid, set()).add(sid)
            person_of.setdefault(rid, pid)
    all_records = sorted({r for rs in records_of.values() for r in rs} | set(record_ids))
    since = timezone.now().date() - timedelta(days=RECENT_DAYS)
    safeguarding: set[int] = set()
    open_care: set[int] = set()
    recent: set[int] = set()
    for chunk in _chunks(all_records):
        events = SourceEvent.objects.filter(record_id__in=chunk)
        safeguarding.update(
            events.filter(category=SAFEGUARDING).values_list("record_id", flat=True).distinct()
        )
        open_care.update(
            events.filter(kind="service", end__isnull=True)
            .values_list("record_id", flat=True)
            .distinct()
        )
        recent.update(
            events.filter(start__gte=since).values_list("record_id", flat=True).distinct()
        )
    out: dict[int, Impact] = {}
    for p in pairs:
        sides = {p.record_a_id, p.record_b_id}
        systems: set[int] = {p.record_a.system_id, p.record_b.system_id}
        for r in (p.record_a_id, p.record_b_id):
            pid = person_of.get(r)
            if pid is not None:
                sides |= records_of.get(pid, set())
                systems |= systems_of.get(pid, set())
        out[p.pk] = Impact(
            safeguarding=bool(sides & safeguarding),
            open_care=bool(sides & open_care),
            recent_activity=bool(sides & recent),
            sources=len(systems),
        )
    return out


def _open_pairs(run, by: Actor) -> list[ReviewPair]:
    """Undecided pairs, without those only another partnership holds (ADR 0026)."""
    pairs = [
        p
        for p in ReviewPair.objects.filter(run=run).select_related(
            "record_a__system", "record_b__system"
        )
        if not outside_partnership_records(by, (p.record_a, p.record_b))
    ]
    decided = _decided_pairs([(p.record_a_id, p.record_b_id) for p in pairs])
    return [p for p in pairs if (p.record_a_id, p.record_b_id) not in decided]


def list_review_pairs(*, by: Actor, limit: int = 200) -> list[ReviewPair]:
    """The current run's uncertain pairs nobody has decided yet, highest expected harm first
    (ADR 0029): each pair carries `.harm` (score and reasons)."""
    require(by, Permission.REVIEW_LINKAGE)
    run = current_run()
    if run is None:
        return []
    pairs = _open_pairs(run, by)
    impacts = _impacts(run, pairs)
    ordered = order_by_harm([(p, p.match_probability, impacts[p.pk]) for p in pairs])
    open_pairs = []
    for p, harm in ordered[:limit]:
        p.harm = harm  # type: ignore[attr-defined]
        p.records = (p.record_a, p.record_b)  # type: ignore[attr-defined]
        open_pairs.append(p)
    record_event(
        by=by,
        action="people.view_review_queue",
        detail={"run": run.version, "pairs": len(open_pairs), "open": len(pairs)},
    )
    return open_pairs


@dataclass
class QueueSummary:
    """The review queue's size beside the current run's own estimate of its errors."""

    open_pairs: int
    link_threshold: float | None
    expected_false_links: float | None  # wrong joins the model expects it made
    expected_missed_links: float | None  # true matches it expects it left apart
    # Among the pairs waiting in review, by their own probabilities (ADR 0029):
    queue_expected_matches: float = 0.0
    queue_expected_non_matches: float = 0.0


def queue_summary(*, by: Actor, open_pairs: int | None = None) -> QueueSummary:
    """The model's estimates saved on the current run (none for rule-based runs), beside
    the review queue's whole size (every open pair, not only the ones a page shows) and
    what its pairs' probabilities say they hold."""
    require(by, Permission.REVIEW_LINKAGE)
    run = current_run()
    extras = (run.model or {}).get("onestory", {}) if run else {}
    waiting = _open_pairs(run, by) if run else []
    est = queue_estimate([p.match_probability for p in waiting])
    return QueueSummary(
        open_pairs=est.pairs,
        queue_expected_matches=est.expected_matches,
        queue_expected_non_matches=est.expected_non_matches,
        link_threshold=extras.get("link_threshold"),
        expected_false_links=extras.get("expected_false_links"),
        expected_missed_links=extras.get("expected_missed_links"),
    )


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
    if outside_partnership_records(by, (pair.record_a, pair.record_b)):
        raise Http404("No such pair")  # another partnership's (ADR 0026)
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


# ---------------------------------------------------------------------- identity pages


class NotFound(ValueError):
    """No person, or more than one, answers to what was asked for."""


def find_person(*, by: Actor, term: str) -> Person:
    """The person a data-quality officer means by `term`: a person id (the UUID on their
    record page) or an NHS number held by their records in the current run. Raises
    NotFound when nobody, or more than one person, answers."""
    require(by, Permission.REVIEW_LINKAGE)
    term = (term or "").strip()
    if not term:
        raise NotFound("Enter a person id or an NHS number.")
    try:
        external = uuid.UUID(term)
    except ValueError:
        external = None
    if external is not None:
        person = Person.objects.filter(external_id=external).first()
        if person is None or outside_partnership(by, person):
            raise NotFound("No person has that id.")
        return person
    digits = nhs_number.normalise(term)
    if not nhs_number.is_valid(digits):
        raise NotFound("Enter a person id, or a 10-digit NHS number that passes its check.")
    run = current_run()
    people = (
        set(
            PersonLink.objects.filter(run=run, record__nhs_number=digits).values_list(
                "person_id", flat=True
            )
        )
        if run
        else set()
    )
    people = {p for p in people if not outside_partnership(by, Person(pk=p))}
    if not people:
        raise NotFound("No person in the current index has that NHS number.")
    if len(people) > 1:
        raise NotFound("More than one person holds that NHS number: look them up by id.")
    return Person.objects.get(pk=people.pop())


@dataclass
class HeldRecord:
    record: SourceRecord
    rule: str
    match_probability: float | None
    how: str = ""  # in words: "Merged by Dana Smith on 2 May 2026: same GP and address"


@dataclass
class HistoryRecordRef:
    id: int
    label: str  # "Leeds Housing H00042"


@dataclass
class HistoryEntry:
    at: datetime
    by: str
    what: str  # "Merged", "Unmerged", "Reviewed: same person", "Reviewed: not the same person"
    reason: str
    records: list[HistoryRecordRef]


@dataclass
class PersonIdentity:
    person: Person
    records: list[HeldRecord]
    history: list[HistoryEntry]
    version: int | None  # the current run's version
    merges: list[MergeRequest] = field(default_factory=list)


_WHAT = {
    ("merge", LinkDecision.LINK): "Merged",
    ("unmerge", LinkDecision.LINK): "Unmerged",
    ("unmerge", LinkDecision.NO_LINK): "Unmerged",
    ("review", LinkDecision.LINK): "Reviewed: same person",
    ("review", LinkDecision.NO_LINK): "Reviewed: not the same person",
}


def _history(record_ids: set[int]) -> list[HistoryEntry]:
    """Every decision touching these records, newest first; the decisions one merge or
    unmerge wrote together (same time, same officer, same reason) are one entry."""
    if not record_ids:
        return []
    rows = list(
        LinkDecision.objects.filter(Q(record_a_id__in=record_ids) | Q(record_b_id__in=record_ids))
        .select_related("record_a__system", "record_b__system")
        .order_by("-decided_at", "-id")
    )
    groups = group_decisions(
        [
            Decision(
                at=d.decided_at,
                by=d.decided_by_id,
                via=d.via,
                reason=d.reason,
                decision=d.decision,
                records=(d.record_a_id, d.record_b_id),
            )
            for d in rows
        ]
    )
    labels = {}
    by_label = {}
    for d in rows:
        by_label[d.decided_by_id] = d.decided_by
        for r in (d.record_a, d.record_b):
            labels[r.pk] = f"{r.system.org_name} {r.local_id}"
    return [
        HistoryEntry(
            at=g.at,
            by=by_label[g.by],
            what=_WHAT.get((g.via, g.decision), f"{g.via}: {g.decision}"),
            reason=g.reason,
            records=[HistoryRecordRef(r, labels[r]) for r in g.records],
        )
        for g in groups
    ]


def staff_names(actor_ids: set[str]) -> dict[str, str]:
    """A member of staff's full name for each "user:N" actor id (their username when the
    account has no name); other actors (the command line, the system) keep their id."""
    from django.contrib.auth import get_user_model

    pks = {int(i.split(":", 1)[1]) for i in actor_ids if i.startswith("user:") and i[5:].isdigit()}
    users = get_user_model().objects.filter(pk__in=pks)
    return {f"user:{u.pk}": u.get_full_name() or u.get_username() for u in users}


_RULES = {
    "nhs_number": "Same NHS number",
    "family_name+dob+postcode": "Same family name, date of birth and postcode",
    "splink": "The probabilistic model",
    "unlinked": "Its own record: nothing else matched it",
    "review:link": "A reviewer's decision",
}


def _how(held: list[PersonLink]) -> dict[int, str]:
    """How each record came to be this person's, in words. A record the engine left on its
    own but a merge or a reviewer joined says who did that, when and why."""
    ids = {x.record_id for x in held}
    joined: dict[int, LinkDecision] = {}
    if len(ids) > 1:
        for d in LinkDecision.objects.filter(
            record_a_id__in=ids, record_b_id__in=ids, decision=LinkDecision.LINK
        ).order_by("decided_at", "id"):
            joined[d.record_a_id] = joined[d.record_b_id] = d
    names = staff_names({d.decided_by_id for d in joined.values()})
    out = {}
    for x in held:
        rule = x.rule.removeprefix("realtime:")
        d = joined.get(x.record_id)
        if d is not None and rule in ("unlinked", "review:link"):
            who = names.get(d.decided_by_id, d.decided_by)
            verb = "Merged" if d.via == "merge" else "Reviewed as the same person"
            out[x.record_id] = f"{verb} by {who} on {nhs_date(d.decided_at.date())}" + (
                f": {d.reason}" if d.reason else ""
            )
        else:
            words = _RULES.get(rule, rule)
            if x.match_probability is not None and rule not in ("nhs_number", "unlinked"):
                words = f"{words} (match probability {x.match_probability:.3f})"
            out[x.record_id] = words
    return out


def person_identity(*, by: Actor, person: Person) -> PersonIdentity:
    """A person's source records in the current run (each with how it came to be theirs)
    the history of decisions, merges and unmerges touching any record the person holds
    or ever held, and the merges asked for on them (with the evidence each rests on).
    Needs `REVIEW_LINKAGE`; another partnership's person is not found (ADR 0026). The
    read is audited with ids only."""
    require(by, Permission.REVIEW_LINKAGE)
    if outside_partnership(by, person):
        raise Http404("No such person.")
    run = current_run()
    links = (
        list(
            PersonLink.objects.filter(run=run, person=person)
            .select_related("record__system")
            .order_by("record__system__kind", "record__local_id")
        )
        if run
        else []
    )
    ever = set(PersonLink.objects.filter(person=person).values_list("record_id", flat=True))
    record_event(
        by=by,
        action="people.view_identity",
        detail={"person": person.pk, "records": [x.record_id for x in links]},
    )
    how = _how(links)
    return PersonIdentity(
        person=person,
        records=[
            HeldRecord(x.record, x.rule, x.match_probability, how[x.record_id]) for x in links
        ],
        history=_history(ever),
        version=run.version if run else None,
        merges=list(
            MergeRequest.objects.filter(Q(first=person) | Q(second=person)).select_related(
                "first", "second"
            )
        ),
    )


def merge_conflicts(*, by: Actor, first: Person, second: Person) -> list:
    """The fields on which two people's identities conflict, each side's values shown
    (the two people's records were read, and audited, by `person_identity`)."""
    from onestory.people.merge_actions import compare_people

    require(by, Permission.REVIEW_LINKAGE)
    conflicts, _ = compare_people((first.pk, second.pk))
    return conflicts


def pending_merges(*, by: Actor) -> list[MergeRequest]:
    """Merges waiting for a second officer, oldest first (ids and field names only)."""
    require(by, Permission.REVIEW_LINKAGE)
    return list(
        MergeRequest.objects.filter(status=MergeRequest.PENDING)
        .select_related("first", "second")
        .order_by("requested_at", "id")
    )


@dataclass
class MergeReview:
    request: MergeRequest
    first: PersonIdentity
    second: PersonIdentity
    conflicts: list  # domain.conflicts.Conflict, live from the records now
    may_confirm: bool


def merge_review(*, by: Actor, request_id: int) -> MergeReview:
    """One merge request: both people's records side by side, the conflicting fields with
    each side's values, the reason, who asked; audited with ids only."""
    from onestory.people.domain.conflicts import may_confirm
    from onestory.people.merge_actions import compare_people

    require(by, Permission.REVIEW_LINKAGE)
    request = MergeRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise Http404("No such merge request")
    first = person_identity(by=by, person=request.first)
    second = person_identity(by=by, person=request.second)
    conflicts = []
    if request.pending and first.records and second.records:
        conflicts, _ = compare_people((request.first_id, request.second_id))
    record_event(
        by=by,
        action="people.view_merge_request",
        detail={"merge_request": request.pk, "people": [request.first_id, request.second_id]},
    )
    return MergeReview(
        request,
        first,
        second,
        conflicts,
        request.pending and may_confirm(request.requested_by_id, by.id),
    )


def records_by_key(keys: list[str]) -> list[SourceRecord]:
    """Source records named as SYSTEM:LOCAL_ID (the system code itself holds a colon, as in
    "housing:H001:T0042"); raises NotFound naming the first key that matches nothing."""
    out = []
    for key in keys:
        found = None
        parts = key.split(":")
        for cut in range(1, len(parts)):
            code, local = ":".join(parts[:cut]), ":".join(parts[cut:])
            found = SourceRecord.objects.filter(system__code=code, local_id=local).first()
            if found:
                break
        if found is None:
            raise NotFound(f"No source record {key!r} (expected SYSTEM:LOCAL_ID).")
        out.append(found)
    return out
