"""Targets for the five national metrics, and whether a computed figure is on track.

Direction of "better": fewer avoidable admissions, falls admissions and permanent
admissions to care homes (lower is better); more people discharged to their usual place of
residence and more people still at home 91 days after reablement (higher is better). A
figure on track meets or beats its target (equal is on track). A withheld (suppressed)
figure or one with no one to count cannot be judged: the status says so rather than
guessing. The quarterly trajectory is the level the area expects by the end of each
quarter; the return compares the figure with the quarter's trajectory when one is set and
with the year's target otherwise."""

from dataclasses import dataclass
from decimal import Decimal

from onestory.commissioning.domain.bcf import (  # noqa: F401 (re-exported)
    AVOIDABLE,
    DISCHARGE,
    FALLS,
    LABELS,
    PERMANENT,
    REABLEMENT,
)

METRICS = (AVOIDABLE, DISCHARGE, FALLS, PERMANENT, REABLEMENT)
LOWER_IS_BETTER = frozenset({AVOIDABLE, FALLS, PERMANENT})
HIGHER_IS_BETTER = frozenset({DISCHARGE, REABLEMENT})
PERCENT = frozenset({DISCHARGE, REABLEMENT})
MAX_RATE = 100_000  # per 100,000: one event for every person
METRIC_LABELS = LABELS

ON_TRACK = "on_track"
NOT_ON_TRACK = "not_on_track"
WITHHELD = "withheld"
NO_FIGURE = "no_figure"
NO_TARGET = "no_target"
NOT_COMPUTED = "not_computed"
STATUS_LABELS = {
    ON_TRACK: "On track",
    NOT_ON_TRACK: "Not on track",
    WITHHELD: "Cannot say: the figure is withheld (small numbers)",
    NO_FIGURE: "Cannot say: no one to count",
    NO_TARGET: "No target set",
    NOT_COMPUTED: "Cannot say: the figure is not available yet",
}


def better(metric: str) -> str:
    """ "lower" or "higher"."""
    if metric in LOWER_IS_BETTER:
        return "lower"
    if metric in HIGHER_IS_BETTER:
        return "higher"
    raise ValueError(f"unknown metric {metric!r}")


def check_target(metric: str, value: Decimal) -> None:
    """A target must be a figure the metric can take: not negative, a percentage at most
    100, a rate at most 100,000 per 100,000."""
    better(metric)
    if value < 0:
        raise ValueError("A target cannot be negative.")
    if metric in PERCENT and value > 100:
        raise ValueError("A percentage target cannot be more than 100.")
    if value > MAX_RATE:
        raise ValueError("A rate target cannot be more than 100,000 per 100,000.")


@dataclass(frozen=True)
class Judgement:
    status: str
    compared_with: Decimal | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def on_track(
    metric: str,
    value: float | Decimal | None,
    target: Decimal | None,
    *,
    suppressed: bool = False,
    computed: bool = True,
) -> Judgement:
    """Whether the figure meets or beats the target in the metric's better direction
    (`computed` is False when there is no figure at all yet: records not linked)."""
    direction = better(metric)
    if target is None:
        return Judgement(NO_TARGET, None)
    if not computed:
        return Judgement(NOT_COMPUTED, target)
    if suppressed:
        return Judgement(WITHHELD, target)
    if value is None:
        return Judgement(NO_FIGURE, target)
    figure = Decimal(str(value))
    good = figure <= target if direction == "lower" else figure >= target
    return Judgement(ON_TRACK if good else NOT_ON_TRACK, target)


def benchmark(annual: Decimal | None, trajectory: dict[int, Decimal | None], quarter: int):
    """What a quarter's figure is compared with: the quarter's trajectory, else the year's
    target."""
    found = trajectory.get(quarter)
    return found if found is not None else annual
