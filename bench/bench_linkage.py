"""Linkage quality and time on a synthetic borough, for each engine.

    DATABASE_URL=sqlite:////tmp/b2000.db python bench/bench_linkage.py --truth DIR/truth.csv

The database must already hold the borough (`onestory synth` then `onestory import`). The
script links the stored records with each method (without writing a run), scores the clusters
pairwise against `truth.csv` and prints precision, recall, F1, seconds and peak memory.

With `--realtime N` it then writes one Splink run and times `link_new_record` for N copies
of existing records (NHS number removed, so the model decides), each inside a transaction
that is rolled back, and prints p50/p95 latency and how many landed on the right person.
It reports; it asserts nothing.
"""

import argparse
import csv
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True, type=Path)
    parser.add_argument("--method", nargs="+", default=["deterministic", "splink"])
    parser.add_argument("--link-threshold", type=float, default=None)
    parser.add_argument("--realtime", type=int, default=0, help="time N single-record links")
    args = parser.parse_args()

    os.environ.setdefault("ONESTORY_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestory.settings")
    import django

    django.setup()
    from onestory.people.actions import linkage_records
    from onestory.people.domain.comparisons import pairwise_score
    from onestory.people.domain.linkage import DeterministicLinker
    from onestory.people.engines.splink_linker import SplinkLinker
    from onestory.sources.models import SourceRecord

    with args.truth.open(newline="", encoding="utf-8") as f:
        truth_by_key = {(r["system"], r["local_id"]): r["person_id"] for r in csv.DictReader(f)}
    key_of = {
        pk: (code, local)
        for pk, code, local in SourceRecord.objects.values_list("id", "system__code", "local_id")
    }
    truth = {pk: truth_by_key[k] for pk, k in key_of.items() if k in truth_by_key}

    started = time.perf_counter()
    records = linkage_records()
    read_s = time.perf_counter() - started
    print(f"{len(records):,} records read in {read_s:.1f}s; {len(set(truth.values())):,} people")
    for method in args.method:
        if method == "deterministic":
            linker = DeterministicLinker()
        else:
            kwargs = {}
            if args.link_threshold is not None:
                kwargs["link_threshold"] = args.link_threshold
            linker = SplinkLinker(**kwargs)
        started = time.perf_counter()
        assignments = linker.cluster(records)
        seconds = time.perf_counter() - started
        cluster_of = {a.record_id: a.cluster for a in assignments}
        s = pairwise_score(cluster_of.items(), truth)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{method:<14} precision {s.precision:.4f}  recall {s.recall:.4f}  F1 {s.f1:.4f}  "
            f"(pairs: {s.true_positives:,} right of {s.predicted_pairs:,} made, "
            f"{s.true_pairs:,} true)  {seconds:.1f}s  peak {peak_mb:,.0f} MB  "
            f"uncertain {len(linker.uncertain_pairs):,}"
        )
    if args.realtime:
        realtime(args.realtime, truth)
    return 0


def realtime(n: int, truth: dict) -> None:
    """p50/p95 of linking one new record against a written Splink run."""
    import random
    import statistics

    from django.db import transaction

    from onestory.audit.domain.actor import Actor
    from onestory.people.actions import current_run, run_linkage
    from onestory.people.engines.splink_linker import SplinkLinker
    from onestory.people.models import PersonLink
    from onestory.people.realtime_actions import link_new_record
    from onestory.sources.models import SourceRecord, SourceSystem

    by = Actor.system("bench")
    started = time.perf_counter()
    run = current_run()
    if run is None or not run.model:
        run = run_linkage(by=by, linker=SplinkLinker())
        print(f"Splink run written in {time.perf_counter() - started:.1f}s")
    person_of = dict(PersonLink.objects.filter(run=run).values_list("record_id", "person_id"))
    rng = random.Random(1)
    sample = rng.sample(sorted(truth), min(n, len(truth)))
    system, _ = SourceSystem.objects.get_or_create(
        code="voluntary:BENCH", defaults={"kind": "voluntary", "org_code": "BENCH"}
    )
    seconds, right = [], 0
    for i, pk in enumerate(sample):
        source = SourceRecord.objects.get(pk=pk)
        with transaction.atomic():
            copy = SourceRecord.objects.create(
                system=system,
                local_id=f"B{i}",
                nhs_number="",
                given_name=source.given_name,
                family_name=source.family_name,
                date_of_birth=source.date_of_birth,
                birth_year=source.birth_year,
                birth_month=source.birth_month,
                sex=source.sex,
                postcode=source.postcode,
                address=source.address,
                norm_given=source.norm_given,
                norm_family=source.norm_family,
                norm_postcode=source.norm_postcode,
                content_hash="bench",
            )
            t = time.perf_counter()
            link = link_new_record(by=by, record=copy)
            seconds.append(time.perf_counter() - t)
            right += link.person_id == person_of[pk]
            transaction.set_rollback(True)
    seconds.sort()
    p50 = statistics.median(seconds) * 1000
    p95 = seconds[int(0.95 * (len(seconds) - 1))] * 1000
    print(
        f"real-time: {len(seconds)} single-record links, p50 {p50:.0f} ms, p95 {p95:.0f} ms; "
        f"{right} of {len(seconds)} joined the person their original is in"
    )


if __name__ == "__main__":
    sys.exit(main())
