"""Linking 1,000,000 source records with the Splink engine, and single-record lookups
against that index, without Django or a database.

    python3 -m uv run --frozen python bench/bench_linkage_1m.py --people 500000 --records 1000000

A borough of `--people` is built with the synthetic generator's own population and noise
(`onestory.synthetic`): each person is held by their GP (when registered) and by
other services at rates close to the generated extracts', each view drawn with that
system's errors (missing NHS numbers, nicknames, typos, swapped day/month, old addresses).
The views become linkage records straight away, normalised as the importer does, until
`--records` records exist. Then, in one process:

1. baseline: the deterministic rule (`DeterministicLinker`) over all the records;
2. the Splink engine (`SplinkLinker`, DuckDB): train, score, cluster under constraints;
3. `--lookups` single-record lookups: a copy of an existing record with its NHS number
   removed (so the model decides) is matched against in-memory indexes that mirror the
   real-time candidate queries (`people.realtime_actions._candidates`), then scored with the run's
   trained model (`score_new_record`); the baseline is the same lookup decided by the
   deterministic rule instead of the model.

Prints time, peak memory (the process's maximum resident set, which includes DuckDB's),
pairwise precision/recall/F1 against the generator's truth, lookup p50/p95, and the
ratios to the baselines. It reports; it asserts nothing.

`--engine spark` runs step 2 on Spark instead (`SparkLinker`, pyspark in local mode, the
same model, comparisons and clustering); its peak memory is then the process tree's
(Python and Spark's JVM), sampled every 0.2 s. `--lookups 0` skips step 3.
"""

import argparse
import dataclasses
import random
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onestory.people.domain import nhs_number  # noqa: E402
from onestory.people.domain.comparisons import pairwise_score  # noqa: E402
from onestory.people.domain.linkage import DeterministicLinker, LinkageRecord  # noqa: E402
from onestory.people.domain.normalise import name_key, postcode_key  # noqa: E402
from onestory.synthetic.noise import NOISE, make_view  # noqa: E402
from onestory.synthetic.population import build_borough  # noqa: E402

# Besides the GP: the chance that each other service holds a person (children's services
# only under 18). About 2.1 records a person overall, as in the generated extracts.
SERVICE_RATES = (
    ("acute", 0.45),
    ("mental_health", 0.06),
    ("community", 0.15),
    ("adult_social_care", 0.08),
    ("housing", 0.30),
    ("voluntary", 0.12),
    ("childrens_services", 0.25),
)
CANDIDATE_LIMIT = 200  # as REALTIME_CANDIDATES


class TreePeak:
    """The highest resident memory of this process and its children (Spark's JVM) together,
    sampled every 0.2 s in a background thread."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while True:
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def to_record(rid: int, kind: str, view) -> LinkageRecord:
    """A generator view as the importer would store it, in the linkage view."""
    dob: date | None = view.dob_shown
    year = month = None
    if kind == "voluntary":
        dob = None
        if "/" in view.birth_month:
            m, y = view.birth_month.split("/")
            month, year = int(m), int(y)
        elif view.birth_month:
            year = int(view.birth_month)
    return LinkageRecord(
        id=rid,
        nhs_number=view.nhs_number,
        norm_family=name_key(view.family),
        date_of_birth=dob,
        norm_postcode=postcode_key(view.address.postcode),
        norm_given=name_key(view.given),
        given_name=view.given,
        family_name=view.family,
        birth_year=year if dob is None else dob.year,
        birth_month=month if dob is None else dob.month,
        sex="" if view.sex == "unknown" else view.sex,
        address=view.address.full,
        source=kind,
    )


def build_records(n_people: int, n_records: int, seed: int):
    """(records, truth: record id → person index)."""
    rng = random.Random(seed)
    borough = build_borough(rng, n_people)
    records: list[LinkageRecord] = []
    truth: dict[int, int] = {}

    def add(kind: str, p) -> None:
        views = [make_view(rng, kind, "", p)]
        if rng.random() < NOISE[kind][6]:
            views.append(make_view(rng, kind, "", p))
        for v in views:
            rid = len(records) + 1
            records.append(to_record(rid, kind, v))
            truth[rid] = p.index

    for p in borough.people:
        if p.registered:
            add("gp", p)
        for kind, rate in SERVICE_RATES:
            if kind == "childrens_services" and p.age >= 18:
                continue
            if rng.random() < rate:
                add(kind, p)
        if len(records) >= n_records:
            break
    del records[n_records:]
    truth = {r.id: truth[r.id] for r in records}
    return records, truth


class Index:
    """In-memory indexes over the linked records on the real-time candidate keys."""

    def __init__(self, records: list[LinkageRecord]) -> None:
        self.by_id = {r.id: r for r in records}
        self.keys: dict[tuple, list[int]] = defaultdict(list)
        for r in records:
            for key in self.keys_of(r):
                self.keys[key].append(r.id)
        total = len(records)
        self.tf = {
            "given": {k: n / total for k, n in Counter(r.norm_given for r in records).items()},
            "family": {k: n / total for k, n in Counter(r.norm_family for r in records).items()},
        }

    @staticmethod
    def keys_of(r: LinkageRecord) -> list[tuple]:
        out: list[tuple] = []
        if nhs_number.is_valid(r.nhs_number):
            out.append(("nhs", r.nhs_number))
        dob = r.date_of_birth
        if dob:
            if r.norm_family:
                out.append(("fd", r.norm_family, dob))
            if r.norm_given:
                out.append(("gd", r.norm_given, dob))
            if r.norm_postcode:
                out.append(("pd", r.norm_postcode, dob))
        if r.norm_postcode and r.norm_family:
            out.append(("pf", r.norm_postcode, r.norm_family))
        return out

    def candidates(self, r: LinkageRecord) -> list[LinkageRecord]:
        keys = self.keys_of(r)
        dob = r.date_of_birth
        if dob and r.norm_family and dob.day <= 12:
            keys.append(("fd", r.norm_family, dob.replace(day=dob.month, month=dob.day)))
        ids: set[int] = set()
        for key in keys:
            ids.update(self.keys.get(key, ()))
        ids.discard(r.id)
        return [self.by_id[i] for i in sorted(ids)[:CANDIDATE_LIMIT]]

    def tf_for(self, records: list[LinkageRecord]) -> dict[str, dict[str, float]]:
        return {
            "given": {r.norm_given: self.tf["given"].get(r.norm_given, 0.0) for r in records},
            "family": {r.norm_family: self.tf["family"].get(r.norm_family, 0.0) for r in records},
        }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    args = parser.parse_args()
    tree = TreePeak()

    started = time.perf_counter()
    records, truth = build_records(args.people, args.records, args.seed)
    print(
        f"{len(records):,} records of {len(set(truth.values())):,} people built in "
        f"{time.perf_counter() - started:.0f}s; peak {peak_mb():,.0f} MB",
        flush=True,
    )

    started = time.perf_counter()
    base = DeterministicLinker().cluster(records)
    base_s = time.perf_counter() - started
    base_peak = peak_mb()
    s = pairwise_score(((a.record_id, a.cluster) for a in base), truth)
    print(
        f"baseline deterministic: {base_s:.1f}s, peak {base_peak:,.0f} MB; precision "
        f"{s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f}",
        flush=True,
    )
    del base

    from onestory.people.engines.splink_linker import SplinkLinker, score_new_record

    if args.engine == "spark":
        from onestory.people.engines.spark_linker import SparkLinker, local_spark_session

        local_spark_session(shuffle_partitions=8)
        linker = SparkLinker()
    else:
        linker = SplinkLinker()
    started = time.perf_counter()
    assignments = linker.cluster(records)
    splink_s = time.perf_counter() - started
    splink_peak = max(peak_mb(), tree.peak_mb)
    s = pairwise_score(((a.record_id, a.cluster) for a in assignments), truth)
    print(
        f"splink ({args.engine}): {splink_s:.1f}s, peak {splink_peak:,.0f} MB; precision "
        f"{s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f}; "
        f"{len(set(a.cluster for a in assignments)):,} people, "
        f"{len(linker.uncertain_pairs):,} pairs for review",
        flush=True,
    )
    print(
        f"ratio splink/deterministic: time {splink_s / base_s:.1f}x, "
        f"peak memory {splink_peak / base_peak:.2f}x",
        flush=True,
    )

    if not args.lookups:
        return 0
    cluster_of = {a.record_id: a.cluster for a in assignments}
    index = Index(records)
    rng = random.Random(args.seed)
    sample = rng.sample(records, min(args.lookups, len(records)))
    next_id = len(records) + 1
    model_ms, rule_ms, right = [], [], 0
    rule = DeterministicLinker()
    # one untimed lookup: the scorer (the model's weights) is built once per model, as in
    # the server process; each lookup then scores its candidates in plain Python
    score_new_record(linker.model, sample[0], index.candidates(sample[0]), index.tf)
    for i, original in enumerate(sample):
        new = dataclasses.replace(original, id=next_id + i, nhs_number="")
        t = time.perf_counter()
        candidates = index.candidates(new)
        scores = score_new_record(linker.model, new, candidates, index.tf_for([new, *candidates]))
        best = max(scores, key=lambda s: s[1], default=None)
        model_ms.append((time.perf_counter() - t) * 1000)
        if best and best[1] >= linker.link_threshold:
            right += cluster_of[best[0]] == cluster_of[original.id]
        t = time.perf_counter()
        candidates = index.candidates(new)
        rule.cluster([new, *candidates])
        rule_ms.append((time.perf_counter() - t) * 1000)
    p50, p95 = statistics.median(model_ms), percentile(model_ms, 0.95)
    b50, b95 = statistics.median(rule_ms), percentile(rule_ms, 0.95)
    print(
        f"single-record lookup ({len(sample)} records, NHS number removed): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms; {right} of {len(sample)} "
        f"({right / len(sample):.1%}) gave the batch run's answer (their original's person)",
        flush=True,
    )
    print(
        f"baseline lookup (same candidates, deterministic rule): p50 {b50:.2f} ms, "
        f"p95 {b95:.2f} ms; ratio p50 {p50 / b50:.0f}x, p95 {p95 / b95:.0f}x",
        flush=True,
    )
    print(f"peak memory overall {peak_mb():,.0f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
