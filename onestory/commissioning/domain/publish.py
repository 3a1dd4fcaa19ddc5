"""Figures as they leave OneStory for commissioners and outside tools: rounded, with
small numbers suppressed (see `suppression`). A suppressed figure keeps its place with
nulls and `"suppressed": true`, so a reader can tell "withheld" from "none"."""

from onestory.commissioning.domain import suppression
from onestory.commissioning.domain.stats import Estimate

DECIMALS = 1


def metric(e: Estimate) -> dict:
    """{"value", "numerator", "denominator", "ci95", "suppressed"}. When the numerator or
    the denominator is 1-7, the count and everything derived from it is withheld (the value
    and the denominator together would give the numerator back)."""
    hide_numerator = suppression.is_small(e.numerator)
    hide_denominator = suppression.is_small(e.denominator)
    if hide_numerator or hide_denominator:
        return {
            "value": None,
            "numerator": None,
            "denominator": None if hide_denominator else e.denominator,
            "ci95": None,
            "suppressed": True,
        }
    return {
        "value": None if e.value is None else round(e.value, DECIMALS),
        "numerator": e.numerator,
        "denominator": e.denominator,
        "ci95": None if e.ci95 is None else [round(x, DECIMALS) for x in e.ci95],
        "suppressed": False,
    }


def segments(counts: dict[str, int]) -> dict[str, int | None]:
    """People per segment with primary and secondary suppression (the total is shown)."""
    shown = suppression.suppress_counts(list(counts.values()))
    return dict(zip(counts, shown, strict=True))
