"""Writes to the person index."""

from collections import Counter

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from onestory.access.actions import _checked_reason as checked_reason
from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.audit.domain.redact import mask_personal_details
from onestory.people.domain import nhs_number
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


REALTIME_CANDIDATES = 200


def _candidates(record: SourceRecord, run: LinkageRun) -> list[LinkageRecord]:
    """Records of the current run that share a blocking key with `record` (the batch's
    blocking rules, as indexed queries), at most REALTIME_CANDIDATES."""
    from django.db.models import Q

    keys = Q(pk__in=[])
    if nhs_number.is_valid(record.nhs_number):
        keys |= Q(nhs_number=record.nhs_number)
    dob = record.date_of_birth
    if dob:
        if record.norm_family:
            keys |= Q(norm_family=record.norm_family, date_of_birth=dob)
            if dob.day <= 12:
                keys |= Q(
                    norm_family=record.norm_family,
                    date_of_birth=dob.replace(day=dob.month, month=dob.day),
                )
        if record.norm_given:
            keys |= Q(norm_given=record.norm_given, date_of_birth=dob)
        if record.norm_postcode:
            keys |= Q(norm_postcode=record.norm_postcode, date_of_birth=dob)
    if record.norm_postcode and record.norm_family:
        keys |= Q(norm_postcode=record.norm_postcode, norm_family=record.norm_family)
    qs = SourceRecord.objects.filter(keys, links__run=run).exclude(pk=record.pk)
    ids = list(qs.order_by("id").values_list("id", flat=True).distinct()[:REALTIME_CANDIDATES])
    return linkage_records(SourceRecord.objects.filter(pk__in=ids))


def _term_frequencies(records: list[LinkageRecord]) -> dict[str, dict[str, float]]:
    """Each name's share of all source records (what the batch model's term-frequency
    adjustment uses), for the names in play only."""
    total = SourceRecord.objects.count() or 1
    out: dict[str, dict[str, float]] = {"given": {}, "family": {}}
    for column, field in (("given", "norm_given"), ("family", "norm_family")):
        values = {getattr(r, field) for r in records if getattr(r, field)}
        if values:
            counts = (
                SourceRecord.objects.filter(**{f"{field}__in": values})
                .values_list(field)
                .annotate(n=Count("id"))
            )
            out[column] = {v: n / total for v, n in counts}
    return out


def link_new_record(*, by: Actor, record: SourceRecord) -> PersonLink:
    """Link one source record that is not in the current run against the current index at
    once, without re-running the batch, and add its link to the current run.

    A valid NHS number held by exactly one person links by rule. Otherwise, when the run
    holds a trained model, the record is scored against indexed candidates: the best person
    at or above the link threshold gets it (unless a decision or a different NHS number
    forbids), a candidate in the uncertain band is queued for review, and otherwise the
    record becomes a new person. Rule-based runs apply the deterministic rule."""
    from onestory.people.domain.linkage import DeterministicLinker
    from onestory.people.engines.splink_linker import (
        DEFAULT_REVIEW_THRESHOLD,
        RULE_SPLINK,
        model_link_threshold,
        score_new_record,
    )

    with transaction.atomic():
        run = LinkageRun.objects.select_for_update().filter(is_current=True).first()
        if run is None:
            raise ValueError("there is no person index run yet: run `onestory link`")
        existing = PersonLink.objects.filter(run=run, record=record).first()
        if existing:
            return existing
        (new,) = linkage_records(SourceRecord.objects.filter(pk=record.pk))
        candidates = _candidates(record, run)
        person_of = dict(
            PersonLink.objects.filter(
                run=run, record_id__in=[c.id for c in candidates]
            ).values_list("record_id", "person_id")
        )
        constraints = current_constraints()
        refused = {
            person_of[b if a == new.id else a]
            for a, b in constraints.cannot_link
            if new.id in (a, b) and (b if a == new.id else a) in person_of
        }
        numbers: dict[int, set[str]] = {}
        for c in candidates:
            if nhs_number.is_valid(c.nhs_number):
                numbers.setdefault(person_of[c.id], set()).add(nhs_number.normalise(c.nhs_number))
        mine = nhs_number.normalise(new.nhs_number) if nhs_number.is_valid(new.nhs_number) else ""

        def allowed(person: int) -> bool:
            theirs = numbers.get(person, set())
            return person not in refused and not (mine and theirs and theirs != {mine})

        person, rule, probability, queued = None, "unlinked", None, []
        for a, b in constraints.must_link:
            other = b if a == new.id else a if b == new.id else None
            if other is not None and other in person_of:
                person, rule, probability = person_of[other], "review:link", 1.0
        by_number = [p for p, ns in numbers.items() if mine and ns == {mine}]
        if person is None and len(by_number) == 1 and allowed(by_number[0]):
            person, rule, probability = by_number[0], "nhs_number", 1.0
        link_threshold = model_link_threshold(run.model)
        if person is None and run.model:
            scores = score_new_record(
                run.model, new, candidates, _term_frequencies([new, *candidates])
            )
            best: dict[int, float] = {}
            for cid, p in scores:
                best[person_of[cid]] = max(p, best.get(person_of[cid], 0.0))
            ranked = sorted(
                ((p, pid) for pid, p in best.items() if allowed(pid)), key=lambda t: (-t[0], t[1])
            )
            if ranked and ranked[0][0] >= link_threshold:
                probability, person = ranked[0]
                rule = RULE_SPLINK
            queued = [
                (cid, p)
                for cid, p in scores
                if DEFAULT_REVIEW_THRESHOLD <= p < link_threshold and person_of[cid] != person
            ]
        elif person is None:
            assignments = DeterministicLinker().cluster([new, *candidates], constraints)
            mine_cluster = assignments[0].cluster
            joined = [a.record_id for a in assignments[1:] if a.cluster == mine_cluster]
            if joined and assignments[0].rule != "unlinked":
                person, rule, probability = person_of[joined[0]], assignments[0].rule, 1.0
        if person is None:
            person = Person.objects.create().pk
        link = PersonLink.objects.create(
            run=run,
            record=record,
            person_id=person,
            rule=f"realtime:{rule}"[:40],
            match_probability=None if probability is None else round(probability, 6),
        )
        ReviewPair.objects.bulk_create(
            [
                ReviewPair(
                    run=run,
                    record_a_id=min(cid, new.id),
                    record_b_id=max(cid, new.id),
                    match_probability=p,
                )
                for cid, p in queued
            ],
            ignore_conflicts=True,
        )
        stats = dict(run.stats)
        stats["realtime_links"] = stats.get("realtime_links", 0) + 1
        stats["records"] = stats.get("records", 0) + 1
        LinkageRun.objects.filter(pk=run.pk).update(stats=stats)
        record_event(
            by=by,
            action="people.link_record",
            detail={
                "record": record.pk,
                "person": person,
                "rule": rule,
                "candidates": len(candidates),
                "queued": len(queued),
                "version": run.version,
            },
        )
    return link


REALTIME_MAX_RECORDS = 100


def link_new_records(*, by: Actor, max_records: int = REALTIME_MAX_RECORDS) -> int:
    """Link at once the source records the current run does not hold yet, one by one, when
    there are at most `max_records` of them (a trickle: an API call, a small import); a
    bigger batch waits for `onestory link`. Returns how many were linked. Meant as the one
    call an importer makes after it has written its records."""
    run = current_run()
    if run is None:
        return 0
    new = SourceRecord.objects.exclude(links__run=run).order_by("id")
    ids = list(new.values_list("id", flat=True)[: max_records + 1])
    if not ids or len(ids) > max_records:
        return 0
    for record in SourceRecord.objects.filter(pk__in=ids).order_by("id"):
        link_new_record(by=by, record=record)
    return len(ids)
