"""Linking a source record the moment it arrives, against the current person index, without
re-running the batch (the real-time path; `people.actions` holds the batch run and merges)."""

from django.db import transaction
from django.db.models import Count

from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.actions import current_constraints, current_run, linkage_records
from onestory.people.domain import nhs_number
from onestory.people.domain.linkage import LinkageRecord
from onestory.people.models import LinkageRun, Person, PersonLink, ReviewPair
from onestory.sources.models import SourceRecord

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
