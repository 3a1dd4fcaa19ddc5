"""Choosing the link threshold from the trained model's own estimate of its errors.

A Fellegi–Sunter model gives every scored pair a match probability. Taken at face value,
the pairs at or above a threshold t hold, in expectation, sum(p) true matches and
sum(1 - p) false ones: the model's estimated precision at t is their mean probability, and
its estimated recall the share of all expected matches (sum of p over every scored pair)
that lies at or above t. The threshold is the lowest t whose estimated precision still
reaches the target, so recall is as high as the model believes it can be without dropping
below that precision; it is kept within a floor and a ceiling, because an unsupervised
model's probabilities are only estimates (ADR 0015).

Pure: no Django, no Splink."""

from collections.abc import Iterable
from dataclasses import dataclass

# Precision is first: a wrong merge harms more than a missed link. The target is stricter
# than the 0.995 floor the platform must meet, because the model's estimates of its own
# precision are optimistic on data it has never seen, and a wrong pair between two
# clusters brings every pair of records across them.
TARGET_PRECISION = 0.999
FLOOR = 0.8
CEILING = 0.99


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    estimated_precision: float  # at the chosen threshold
    estimated_recall: float
    expected_matches: float  # sum of p over every scored pair
    expected_false_links: float  # sum of 1 - p over the pairs at or above the threshold


def choose_threshold(
    probabilities: Iterable[float],
    *,
    target_precision: float = TARGET_PRECISION,
    floor: float = FLOOR,
    ceiling: float = CEILING,
) -> ThresholdChoice:
    """The lowest threshold (within [floor, ceiling]) at which the pairs at or above it
    have an estimated precision of at least `target_precision`."""
    ps = sorted((p for p in probabilities if p is not None), reverse=True)
    total = sum(ps)
    best = ceiling
    taken = 0
    matches = 0.0
    for p in ps:
        if p < floor:
            best = floor  # every pair above the floor keeps the precision: the floor
            break
        if (matches + p) / (taken + 1) < target_precision:
            break  # this pair would bring the estimate below the target
        taken += 1
        matches += p
        best = p
    else:
        if taken:
            best = floor
    threshold = min(ceiling, max(floor, best))
    above = [p for p in ps if p >= threshold]
    est_matches = sum(above)
    return ThresholdChoice(
        threshold=threshold,
        estimated_precision=est_matches / len(above) if above else 1.0,
        estimated_recall=est_matches / total if total else 1.0,
        expected_matches=total,
        expected_false_links=len(above) - est_matches,
    )
