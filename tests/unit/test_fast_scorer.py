"""The real-time scorer gives the trained model's own probabilities, without Splink."""

import dataclasses
import importlib.util
from pathlib import Path

import pytest

from onestory.people.engines.fast_scorer import FastScorer
from onestory.people.engines.splink_linker import SplinkLinker, score_new_record
from onestory.people.engines.splink_scoring import score_new_record_splink

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_linkage_1m.py"


@pytest.fixture(scope="module")
def trained():
    spec = importlib.util.spec_from_file_location("bench_linkage_1m", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    records, _ = bench.build_records(600, 1200, 5)
    linker = SplinkLinker()
    assignments = linker.cluster(records)
    return records, linker, {a.record_id: a.cluster for a in assignments}, bench.Index(records)


def test_fast_scorer_probabilities_equal_splink_scoring(trained):
    records, linker, _, index = trained
    compared = 0
    for i, r in enumerate(records[:80]):
        # half keep their NHS number, so the NHS levels are exercised too
        new = dataclasses.replace(r, id=10**7, nhs_number=r.nhs_number if i % 2 else "")
        candidates = index.candidates(new)
        tf = index.tf_for([new, *candidates])
        fast = dict(score_new_record(linker.model, new, candidates, tf))
        slow = dict(score_new_record_splink(linker.model, new, candidates, tf))
        assert fast.keys() == slow.keys()
        for cid, p in slow.items():
            assert fast[cid] == pytest.approx(p, abs=1e-9)
            compared += 1
    assert compared > 80


def test_fast_scorer_lookup_joins_batch_cluster(trained):
    records, linker, cluster_of, index = trained
    same = 0
    sample = records[:100]
    for r in sample:
        new = dataclasses.replace(r, id=10**7, nhs_number="")
        candidates = index.candidates(new)
        scores = score_new_record(linker.model, new, candidates, index.tf_for([new, *candidates]))
        best = max(scores, key=lambda s: s[1], default=None)
        if best and best[1] >= linker.link_threshold:
            same += cluster_of[best[0]] == cluster_of[r.id]
        else:
            # unlinked in the lookup: the batch must have left it alone as well
            same += sum(v == cluster_of[r.id] for v in cluster_of.values()) == 1
    assert same >= 0.95 * len(sample)


def test_fast_scorer_refuses_model_of_other_shape(trained):
    _, linker, _, _ = trained
    model = dict(linker.model, comparisons=linker.model["comparisons"][:-1])
    with pytest.raises(ValueError, match="comparisons"):
        FastScorer(model)


def test_u_pairs_for_scales_with_records_between_bounds():
    from onestory.people.engines.splink_linker import u_pairs_for

    assert u_pairs_for(1_000) == 1_000_000  # all 499,500 pairs: no sampling
    assert u_pairs_for(2_000) == 400_000
    assert u_pairs_for(10_000) == 800_000
    assert u_pairs_for(1_000_000) == 1_000_000
