"""The plain-English reading of one evaluation: what the evidence does and does not show.

Pure: it reads the result in the shape `onestory evaluate --json` prints (one method) and
the treated localities' mean outcome before the start, and returns sentences. Each rule is
one sentence or two, in this order: the estimate and its direction; the interval (does it
include no change?); the pre-period fit (poor fit means the comparison is not a fair
stand-in); the placebo p-value (were differences this large common among places that did
nothing?); what the evidence cannot show."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

METHOD_NAMES = {
    "did": "difference-in-differences",
    "scm": "synthetic control",
    "sdid": "synthetic difference-in-differences",
}
# A pre-period gap whose root mean square is more than this share of the treated
# localities' mean level before the start is a poor fit; under half of it, a close one.
POOR_FIT = 0.10
CLOSE_FIT = 0.05
# Placebo p-values: below this, few places that did nothing looked as affected.
PLACEBO_ALPHA = 0.10


@dataclass(frozen=True)
class Reading:
    headline: str
    sentences: tuple[str, ...]
    verdict: str  # "no_estimate", "poor_fit", "no_clear_change", "mixed", "lower", "higher"


def _n(x: float) -> str:
    return f"{x:,.1f}"


def read(
    result: Mapping[str, Any],
    *,
    outcome: str,
    pre_level: float | None,
    comparators: int,
) -> Reading:
    """`outcome` names the indicator in words ("emergency admissions per 100,000 people a
    quarter"); `pre_level` is the treated localities' mean before the start; `comparators`
    how many comparator localities there were."""
    method = METHOD_NAMES.get(str(result.get("method")), str(result.get("method")))
    att = result.get("att")
    if att is None:
        return Reading(
            headline="No estimate",
            sentences=(
                f"The {method} comparison gave no estimate, so this run says nothing about "
                "the initiative's effect.",
            ),
            verdict="no_estimate",
        )
    out: list[str] = []
    direction = "lower" if att < 0 else "higher"
    out.append(
        f"By {method}, {outcome} in the treated localities after the start were on average "
        f"{_n(abs(att))} {direction} than the comparison suggests they would otherwise have been."
    )
    ci = result.get("ci95")
    includes_zero = None
    if ci is None or ci[0] is None or ci[1] is None:
        out.append(
            "No 95% interval could be worked out (too few comparator localities for the "
            "placebo error), so there is no measure of how much this could be chance: do not "
            "act on the estimate alone."
        )
    else:
        lo, hi = float(ci[0]), float(ci[1])
        includes_zero = lo <= 0 <= hi
        if includes_zero:
            out.append(
                f"The 95% interval, {_n(lo)} to {_n(hi)}, includes no change: the data are "
                "consistent with the initiative having made no difference — and with effects "
                "as large as either end of the interval. It does not show that the initiative "
                "did nothing."
            )
        else:
            out.append(
                f"The 95% interval, {_n(lo)} to {_n(hi)}, does not include no change: a "
                f"difference this size is unlikely to be chance alone, if the comparison holds."
            )
    pre = result.get("pre_rmspe")
    poor = False
    if pre is not None and pre_level:
        share = float(pre) / abs(pre_level)
        if share > POOR_FIT:
            poor = True
            out.append(
                f"Pre-period fit was poor: before the start the comparison missed the treated "
                f"localities by {_n(float(pre))} on average ({share:.0%} of their level), so it "
                "is not a fair stand-in for what would have happened, and the estimate should "
                "not be relied on. Choose comparators more like the treated localities, or "
                "another method."
            )
        elif share <= CLOSE_FIT:
            out.append(
                f"Pre-period fit was close (typical gap {_n(float(pre))}, {share:.0%} of the "
                "level before the start): the comparison tracked the treated localities well "
                "before the initiative began."
            )
        else:
            out.append(
                f"Pre-period fit was fair (typical gap {_n(float(pre))}, {share:.0%} of the "
                "level before the start): read the estimate with that in mind."
            )
    placebo = result.get("placebo") or {}
    p = placebo.get("p_value")
    if p is not None:
        floor = 1 / (comparators + 1) if comparators else 1.0
        if p >= PLACEBO_ALPHA:
            out.append(
                f"The placebo p-value is {p:.2f}: differences this large were common among "
                "places that did nothing."
            )
        else:
            out.append(
                f"The placebo p-value is {p:.2f}: few of the places that did nothing showed a "
                "difference as large."
            )
        if floor > PLACEBO_ALPHA / 2:
            out.append(
                f"With {comparators} comparator localities the placebo p-value cannot be "
                f"below {floor:.2f}, whatever happened."
            )
    out.append(
        "What this cannot show: whether something else that changed in the treated "
        "localities at the same time caused the difference, or how people felt about the "
        "support — read the lived experience beside it."
    )
    if poor:
        verdict, headline = "poor_fit", "The comparison did not fit well before the start"
    elif includes_zero is False and (p is None or p < PLACEBO_ALPHA):
        verdict = direction
        headline = f"{outcome.capitalize()} were {direction} than expected"
    elif includes_zero is False:
        verdict = "mixed"
        headline = "A change, but places that did nothing often changed as much"
    else:
        verdict, headline = "no_clear_change", "No clear change"
    return Reading(headline=headline, sentences=tuple(out), verdict=verdict)
