"""Ordering the identity review queue by expected harm (ADR 0029).

A pair in review will be decided wrongly, if nobody looks, with probability
min(p, 1 - p): a pair at 0.5 is a coin toss, one at 0.95 is nearly settled. What a wrong
decision costs depends on the people involved: a wrong join (or a missed one) on someone
with a safeguarding flag, an open care package or recent activity puts the wrong facts in
front of a professional who is acting on them now; a record seen by many sources spreads
the error further. Expected harm is the product, and the queue is worked highest first,
with the reasons shown so a reviewer knows why a pair is near the top.

Pure: no Django."""

from dataclasses import dataclass

# How much each fact multiplies the cost of a wrong decision (1 = no extra cost).
SAFEGUARDING_WEIGHT = 4.0
OPEN_CARE_WEIGHT = 3.0
RECENT_ACTIVITY_WEIGHT = 2.0
PER_EXTRA_SOURCE = 0.25  # each source beyond the two records of the pair
MAX_EXTRA_SOURCES = 8


@dataclass(frozen=True)
class Impact:
    """What is known about the two records' people (both sides together)."""

    safeguarding: bool = False
    open_care: bool = False
    recent_activity: bool = False
    sources: int = 2


@dataclass(frozen=True)
class Harm:
    score: float
    wrong_decision: float  # min(p, 1 - p)
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "no activity recorded"


def wrong_decision_probability(p: float) -> float:
    """The chance a pair at match probability `p` is decided wrongly if nobody reviews it."""
    p = min(1.0, max(0.0, p))
    return min(p, 1.0 - p)


def impact_weight(impact: Impact) -> tuple[float, tuple[str, ...]]:
    """How much a wrong decision on these people costs, and the reasons, most serious first."""
    weight, reasons = 1.0, []
    if impact.safeguarding:
        weight *= SAFEGUARDING_WEIGHT
        reasons.append("safeguarding")
    if impact.open_care:
        weight *= OPEN_CARE_WEIGHT
        reasons.append("open care package")
    if impact.recent_activity:
        weight *= RECENT_ACTIVITY_WEIGHT
        reasons.append("recent activity")
    extra = min(MAX_EXTRA_SOURCES, max(0, impact.sources - 2))
    if extra:
        weight *= 1.0 + PER_EXTRA_SOURCE * extra
        reasons.append(f"{impact.sources} sources")
    return weight, tuple(reasons)


def expected_harm(p: float, impact: Impact) -> Harm:
    wrong = wrong_decision_probability(p)
    weight, reasons = impact_weight(impact)
    return Harm(score=wrong * weight, wrong_decision=wrong, reasons=reasons)


def order_by_harm[K](items: list[tuple[K, float, Impact]]) -> list[tuple[K, Harm]]:
    """(key, match probability, impact) triples, highest expected harm first; ties keep the
    given order (so the same queue always reads the same way)."""
    scored = [(key, expected_harm(p, impact)) for key, p, impact in items]
    return sorted(scored, key=lambda t: -t[1].score)


@dataclass(frozen=True)
class QueueEstimate:
    """What the pairs waiting in review hold, by the model's own probabilities: if every
    one were left apart, about `expected_matches` true matches would be missed; if every
    one were joined, about `expected_non_matches` joins would be wrong."""

    pairs: int
    expected_matches: float  # sum of p
    expected_non_matches: float  # sum of 1 - p


def queue_estimate(probabilities: list[float]) -> QueueEstimate:
    matches = sum(min(1.0, max(0.0, p)) for p in probabilities)
    return QueueEstimate(
        pairs=len(probabilities),
        expected_matches=matches,
        expected_non_matches=len(probabilities) - matches,
    )
