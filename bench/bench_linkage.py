"""Linkage quality and time on a synthetic borough, for each engine.

    DATABASE_URL=sqlite:////tmp/b2000.db python bench/bench_linkage.py --truth DIR/truth.csv

The database must already hold the borough (`onestory synth` then `onestory import`). The
script links the stored records with each method (without writing a run), scores the clusters
pairwise against `truth.csv` and prints precision, recall, F1, seconds and peak memory. It
reports; it asserts nothing.
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
