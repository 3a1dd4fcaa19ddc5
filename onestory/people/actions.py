"""Writes to the person index."""

from collections import Counter

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from onestory.access.actions import _checked_reason as checked_reason
from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.audit.domain.redact import mask_personal_details
from onestory.people.domain.clustering import Constraints, Edge
from onestory.people.domain.linkage import (
    Assignment,
    LinkageRecord,
    Linker,
    carry_forward_people,
)
from onestory.people.models import LinkageRun, LinkDecision, Person, PersonLink, ReviewPair
from onestory.sources.models import SourceRecord

BATCH = 5000


LINKAGE_FIELDS = (
    "id",
    "nhs_number",
    "norm_family",
    "date_of_birth",
    "norm_postcode",
    "norm_given",
    "given_name",
    "family_name",
    "birth_year",
    "birth_month",
    "sex",
    "address",
    "system__code",
)


def linkage_records(queryset=None) -> list[LinkageRecord]:
    """The linkage view of source records (all of them by default), in id order."""
    qs = SourceRecord.objects.all() if queryset is None else queryset
    rows = qs.order_by("id").values_list(*LINKAGE_FIELDS)
    return [LinkageRecord(*row) for row in rows.iterator(chunk_size=BATCH)]


def default_linker() -> Linker:
    """The engine `onestory link` uses unless told otherwise: Splink on DuckDB."""
    from onestory.people.engines.splink_linker import SplinkLinker

    return SplinkLinker()


def current_constraints() -> Constraints:
    """Every pair's latest decision, as the fixed constraints each run applies."""
    latest: dict[tuple[int, int], str] = {}
    rows = LinkDecision.objects.order_by("decided_at", "id").values_list(
        "record_a_id", "record_b_id", "decision"
    )
    for a, b, decision in rows.iterator(chunk_size=BATCH):
        latest[(a, b)] = decision
    return Constraints.of(
        must_link=[pair for pair, d in latest.items() if d == LinkDecision.LINK],
        cannot_link=[pair for pair, d in latest.items() if d == LinkDecision.NO_LINK],
    )


def decide_pair(
    *,
    by: Actor,
    record_a: int,
    record_b: int,
    decision: str,
    reason: str = "",
    via="review",
    at=None,
) -> LinkDecision:
    """Record that two source records are (link) or are not (no_link) one person. Every
    later run applies it, whatever the engine; until then the current run is unchanged
    (`decide_and_apply` changes it too). `at` gives every decision of one merge or unmerge
    the same time, so the history shows them as one act."""
    require(by, Permission.REVIEW_LINKAGE)
    if decision not in {LinkDecision.LINK, LinkDecision.NO_LINK}:
        raise ValueError(f"decision must be link or no_link, not {decision!r}")
    if record_a == record_b:
        raise ValueError("a record is always the same person as itself")
    a, b = sorted((record_a, record_b))
    with transaction.atomic():
        row = LinkDecision.objects.create(
            record_a_id=a,
            record_b_id=b,
            decision=decision,
            via=via,
            reason=mask_personal_details(reason)[:500],
            decided_by=by.label,
            decided_by_id=by.id,
            decided_at=at or timezone.now(),
        )
        record_event(
            by=by,
            action="people.decide_pair",
            detail={"records": [a, b], "decision": decision, "via": via, "decision_id": row.pk},
        )
    return row


def current_run() -> LinkageRun | None:
    return LinkageRun.objects.filter(is_current=True).first()


def run_linkage(*, by: Actor, linker: Linker | None = None, progress=None) -> LinkageRun:
    """Cluster every source record into people and make that the current run.

    People carry forward: each new cluster keeps the Person it mostly was before, so the
    record, plans and budgets built on a Person survive relinking. The previous runs stay
    as they were, for comparison and rollback. `progress(done, total)` is called as links
    are written, when given."""
    linker = linker or default_linker()
    started = timezone.now()
    records = linkage_records()
    constraints = current_constraints()
    assignments = linker.cluster(records, constraints)
    decided = constraints.must_link | constraints.cannot_link
    uncertain = [
        e
        for e in getattr(linker, "uncertain_pairs", [])
        if tuple(sorted((e.a, e.b))) not in decided
    ]
    return _write_run(
        by=by,
        method=linker.method,
        started=started,
        assignments=assignments,
        uncertain=uncertain,
        constraints=constraints,
        progress=progress,
        model=getattr(linker, "model", None),
    )


def _dormant_people(record_ids: list[int], active: set[int]) -> dict[int, int]:
    """For these records, the latest person that held each in an older run and holds
    nothing now (a person merged away)."""
    earlier: dict[int, int] = {}
    rows = (
        PersonLink.objects.filter(record_id__in=record_ids)
        .exclude(person_id__in=active)
        .order_by("-run__version")
        .values_list("record_id", "person_id")
    )
    for record_id, person_id in rows.iterator(chunk_size=BATCH):
        earlier.setdefault(record_id, person_id)
    return earlier


def _write_run(
    *,
    by: Actor,
    method: str,
    started,
    assignments: list[Assignment],
    uncertain: list[Edge],
    constraints: Constraints,
    progress=None,
    action: str = "people.link",
    detail: dict | None = None,
    model: dict | None = None,
) -> LinkageRun:
    """Make these clusters the current run: people carried forward (dormant people too),
    links written, the uncertain pairs queued, the run audited."""
    with transaction.atomic():
        previous_run = LinkageRun.objects.select_for_update().filter(is_current=True).first()
        previous = (
            dict(PersonLink.objects.filter(run=previous_run).values_list("record_id", "person_id"))
            if previous_run
            else {}
        )
        person_for_cluster = carry_forward_people(assignments, previous)
        if previous_run and any(p is None for p in person_for_cluster.values()):
            unassigned = [a.record_id for a in assignments if person_for_cluster[a.cluster] is None]
            earlier = _dormant_people(unassigned, set(previous.values()))
            person_for_cluster = carry_forward_people(assignments, previous, earlier)
        new_clusters = [c for c, p in sorted(person_for_cluster.items()) if p is None]
        created = Person.objects.bulk_create([Person() for _ in new_clusters], batch_size=BATCH)
        for cluster, person in zip(new_clusters, created, strict=True):
            person_for_cluster[cluster] = person.pk

        version = (LinkageRun.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        run = LinkageRun.objects.create(
            version=version,
            method=method[:40],
            started_at=started,
            run_by=by.label,
            model=model or {},
        )
        links = [
            PersonLink(
                run=run,
                record_id=a.record_id,
                person_id=person_for_cluster[a.cluster],
                rule=a.rule,
                match_probability=a.match_probability,
            )
            for a in assignments
        ]
        for start in range(0, len(links), BATCH):
            PersonLink.objects.bulk_create(links[start : start + BATCH])
            if progress:
                progress(min(start + BATCH, len(links)), len(links))

        ReviewPair.objects.bulk_create(
            [
                ReviewPair(
                    run=run,
                    record_a_id=min(e.a, e.b),
                    record_b_id=max(e.a, e.b),
                    match_probability=e.probability,
                )
                for e in uncertain
            ],
            batch_size=BATCH,
        )
        moved = sum(
            1 for a in assignments if previous.get(a.record_id, -1) != person_for_cluster[a.cluster]
        )
        stats = {
            "records": len(assignments),
            "people": len(person_for_cluster),
            "new_people": len(new_clusters),
            "records_moved": moved if previous_run else 0,
            "by_rule": dict(Counter(a.rule for a in assignments)),
            "previous_version": previous_run.version if previous_run else None,
            "review_pairs": len(uncertain),
            "constraints": {
                "link": len(constraints.must_link),
                "no_link": len(constraints.cannot_link),
            },
        }
        if previous_run:
            LinkageRun.objects.filter(pk=previous_run.pk).update(is_current=False)
        run.finished_at = timezone.now()
        run.is_current = True
        run.stats = stats
        run.save(update_fields=["finished_at", "is_current", "stats"])
        record_event(by=by, action=action, detail={"version": version, **stats, **(detail or {})})
    return run


def _current_assignments(run: LinkageRun) -> list[Assignment]:
    """The current run's links as assignments, clustered by person."""
    rows = PersonLink.objects.filter(run=run).values_list(
        "record_id", "person_id", "rule", "match_probability"
    )
    return [Assignment(r, p, rule, prob) for r, p, rule, prob in rows.iterator(chunk_size=BATCH)]


def _carried_review_pairs(run: LinkageRun, constraints: Constraints, together) -> list[Edge]:
    """The run's queued pairs that are still open and still apart."""
    decided = constraints.must_link | constraints.cannot_link
    return [
        Edge(a, b, p, "carried")
        for a, b, p in ReviewPair.objects.filter(run=run).values_list(
            "record_a_id", "record_b_id", "match_probability"
        )
        if (a, b) not in decided and not together(a, b)
    ]


class ConflictingIdentities(ValueError):
    """The two people's identities conflict: the merge needs a second officer."""


def merge_people(*, by: Actor, people: tuple[int, int], reason: str) -> LinkageRun:
    """Join two people into one at once, as a new run derived from the current one, when
    their identities do not conflict (`domain.conflicts`); a conflicting pair is refused
    with ConflictingIdentities, and goes through `merge_actions.request_merge` and a
    second officer's `confirm_merge` instead. Every merge leaves a `MergeRequest` with the
    evidence it rests on."""
    from onestory.people.merge_actions import request_merge

    request = request_merge(by=by, people=people, reason=reason, allow_pending=False)
    assert request.run is not None
    return request.run


def join_people(
    by: Actor, a: int, b: int, reason: str, *, detail: dict | None = None
) -> LinkageRun:
    """Join people a and b (the caller has checked who may, and why).

    A `link` decision between the two (via "merge") makes every later run, whatever the
    engine, keep them together. Which Person carries on is the carry-forward rule's choice
    (the one with more records); the other becomes dormant, and an unmerge gives its
    records back to it. No source record is touched."""
    if a == b:
        raise ValueError("a person cannot be merged with themself")
    with transaction.atomic():
        run, assignments, records_of = _two_people(a, b)
        decide_pair(
            by=by,
            record_a=min(records_of[a]),
            record_b=min(records_of[b]),
            decision=LinkDecision.LINK,
            reason=reason,
            via="merge",
        )
        return _merged_run(by, run, assignments, records_of, via="merge", detail=detail)


def _two_people(a: int, b: int):
    """The current run (locked), its assignments, and the records each of a and b hold."""
    run = LinkageRun.objects.select_for_update().filter(is_current=True).first()
    if run is None:
        raise ValueError("there is no person index run yet")
    assignments = _current_assignments(run)
    records_of: dict[int, list[int]] = {a: [], b: []}
    for x in assignments:
        if x.cluster in records_of:
            records_of[x.cluster].append(x.record_id)
    if not records_of[a] or not records_of[b]:
        raise ValueError("both people must hold records in the current run")
    return run, assignments, records_of


def _merged_run(
    by: Actor,
    run: LinkageRun,
    assignments: list[Assignment],
    records_of,
    *,
    via: str,
    detail: dict | None = None,
) -> LinkageRun:
    """A run derived from `run` with the two people of `records_of` joined."""
    a, b = records_of
    merged = [
        Assignment(x.record_id, a, x.rule, x.match_probability) if x.cluster == b else x
        for x in assignments
    ]
    constraints = current_constraints()
    together = set(records_of[a] + records_of[b])
    uncertain = _carried_review_pairs(run, constraints, lambda r1, r2: {r1, r2} <= together)
    return _write_run(
        by=by,
        method=run.method,
        started=timezone.now(),
        assignments=merged,
        uncertain=uncertain,
        constraints=constraints,
        action="people.merge",
        model=run.model,
        detail={"people": [a, b], "records": len(together), "via": via, **(detail or {})},
    )


def decide_and_apply(
    *, by: Actor, record_a: int, record_b: int, decision: str, reason: str = ""
) -> LinkDecision:
    """A reviewer's decision on a pair, applied at once: `link` joins the two people that
    hold the records now (a derived run, as a merge), so the record shows them together
    without waiting for the next batch; `no_link` keeps them apart, as they already are.
    Either way the decision binds every later run."""
    with transaction.atomic():
        row = decide_pair(
            by=by, record_a=record_a, record_b=record_b, decision=decision, reason=reason
        )
        run = LinkageRun.objects.select_for_update().filter(is_current=True).first()
        if decision == LinkDecision.LINK and run is not None:
            holder = dict(
                PersonLink.objects.filter(run=run, record_id__in=[record_a, record_b]).values_list(
                    "record_id", "person_id"
                )
            )
            a, b = holder.get(record_a), holder.get(record_b)
            if a is not None and b is not None and a != b:
                run, assignments, records_of = _two_people(a, b)
                _merged_run(by, run, assignments, records_of, via="review")
    return row


def unmerge_records(*, by: Actor, person: int, record_ids: list[int], reason: str) -> LinkageRun:
    """Split these records off `person` into a person of their own, as a new run.

    `no_link` decisions between every split record and every remaining one (via
    "unmerge"), and `link` decisions among the split records, hold the split in every later
    run. The split part gets back the person that held it before a merge, when there was
    one (see carry_forward_people), otherwise a new person."""
    require(by, Permission.REVIEW_LINKAGE)
    reason = checked_reason(reason, by)
    if not reason:
        raise ValueError("an unmerge needs a reason")
    split = sorted(set(record_ids))
    at = timezone.now()
    with transaction.atomic():
        run = LinkageRun.objects.select_for_update().filter(is_current=True).first()
        if run is None:
            raise ValueError("there is no person index run yet")
        assignments = _current_assignments(run)
        held = {x.record_id for x in assignments if x.cluster == person}
        if not split or not set(split) <= held:
            raise ValueError("the records to split off must all belong to the person")
        remaining = sorted(held - set(split))
        if not remaining:
            raise ValueError("an unmerge must leave the person at least one record")
        for r in split:
            for other in remaining:
                decide_pair(
                    by=by,
                    record_a=r,
                    record_b=other,
                    decision=LinkDecision.NO_LINK,
                    reason=reason,
                    via="unmerge",
                    at=at,
                )
        for r in split[1:]:
            decide_pair(
                by=by,
                record_a=split[0],
                record_b=r,
                decision=LinkDecision.LINK,
                reason=reason,
                via="unmerge",
                at=at,
            )
        # a cluster number no person id can collide with
        fresh = -1
        derived = [
            Assignment(x.record_id, fresh, x.rule, x.match_probability)
            if x.record_id in held and x.record_id in split
            else x
            for x in assignments
        ]
        constraints = current_constraints()
        uncertain = _carried_review_pairs(run, constraints, lambda r1, r2: False)
        return _write_run(
            by=by,
            method=run.method,
            started=timezone.now(),
            assignments=derived,
            uncertain=uncertain,
            constraints=constraints,
            action="people.unmerge",
            model=run.model,
            detail={"person": person, "records_split": len(split)},
        )


_MOVED = {"link_new_record", "link_new_records", "REALTIME_CANDIDATES", "REALTIME_MAX_RECORDS"}


def __getattr__(name: str):
    """The real-time linking actions moved to `people.realtime_actions`; importing them from
    here still works (lazily, so the two modules do not import each other at load time)."""
    if name in _MOVED:
        from onestory.people import realtime_actions

        return getattr(realtime_actions, name)
    raise AttributeError(name)
