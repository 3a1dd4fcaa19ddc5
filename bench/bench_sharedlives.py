"""Shared Lives matching for a large scheme: time and peak memory.

    python3 -m uv run --frozen python bench/bench_sharedlives.py --people 15000 --carers 10000

Generates a synthetic scheme (`onestory.sharedlives.domain.synthetic`), then in the same
process runs a baseline — greedy: each person in turn takes their best-scoring carer who
passes the hard constraints and still has room (how a scheme matching by hand tends to work)
— and then the optimal assignment (`assignment.assign`: min-cost flow on OR-Tools with the
exact-count search). Reports time, peak resident memory after each stage, people matched and
total score. Every stage runs once; it reports, it asserts nothing.
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onestory.sharedlives.domain import assignment, synthetic  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def greedy(people, carers) -> tuple[int, int]:
    scheme = assignment.Scheme(people, carers)
    room = np.array([c.capacity if c.approved else 0 for c in carers], dtype=np.int64)
    matched = total = 0
    for i in range(len(people)):
        idx = np.flatnonzero(scheme.feasible(i) & (room > 0))
        if not len(idx):
            continue
        scores = scheme.scores(i, idx)
        best = int(np.argmax(scores))
        room[idx[best]] -= 1
        matched += 1
        total += int(scores[best])
    return matched, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=15_000)
    parser.add_argument("--carers", type=int, default=10_000)
    parser.add_argument("--candidates", type=int, default=assignment.DEFAULT_PER_PERSON)
    args = parser.parse_args()

    started = time.perf_counter()
    people, carers = synthetic.scheme(args.people, args.carers)
    generated = time.perf_counter() - started
    report: dict[str, object] = {
        "people": args.people,
        "carers": args.carers,
        "places": sum(c.capacity for c in carers),
        "generate_s": round(generated, 2),
        "peak_mb_after_generate": round(peak_mb()),
    }

    started = time.perf_counter()
    matched, total = greedy(people, carers)
    report["baseline_greedy"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "matched": matched,
        "total_score": total,
        "peak_mb": round(peak_mb()),
    }

    started = time.perf_counter()
    result = assignment.assign(people, carers, per_person=args.candidates)
    report["optimal_min_cost_flow"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "matched": len(result.matches),
        "total_score": result.total_score,
        "candidate_edges": result.candidate_edges,
        "peak_mb": round(peak_mb()),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
