"""Writes to the person index."""

from collections import Counter

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.domain.clustering import Constraints
from onestory.people.domain.linkage import (
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
    *, by: Actor, record_a: int, record_b: int, decision: str, reason: str = "", via="review"
) -> LinkDecision:
    """Record that two source records are (link) or are not (no_link) one person. Every
    later run applies it, whatever the engine; until then the current run is unchanged."""
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
            reason=reason[:500],
            decided_by=by.label,
            decided_by_id=by.id,
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

    with transaction.atomic():
        previous_run = LinkageRun.objects.select_for_update().filter(is_current=True).first()
        previous = (
            dict(PersonLink.objects.filter(run=previous_run).values_list("record_id", "person_id"))
            if previous_run
            else {}
        )
        person_for_cluster = carry_forward_people(assignments, previous)
        new_clusters = [c for c, p in sorted(person_for_cluster.items()) if p is None]
        created = Person.objects.bulk_create([Person() for _ in new_clusters], batch_size=BATCH)
        for cluster, person in zip(new_clusters, created, strict=True):
            person_for_cluster[cluster] = person.pk

        version = (LinkageRun.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        run = LinkageRun.objects.create(
            version=version, method=linker.method, started_at=started, run_by=by.label
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
        record_event(by=by, action="people.link", detail={"version": version, **stats})
    return run
