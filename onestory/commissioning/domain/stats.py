"""Rates, proportions and their 95% intervals, as the public health observatories compute
them (Public Health England, "Technical guide: confidence intervals", 2018; the APHO
"Commonly used public health statistics and their confidence intervals", 2008).

- Counts (and crude rates, and the observed count of an indirectly standardised ratio): the
  Poisson interval by Byar's approximation (Breslow and Day, Statistical Methods in Cancer
  Research vol. II, 1987, p. 69), exact enough for every count and cheap for any.
- Directly standardised rates: Dobson et al., "Confidence intervals for weighted sums of
  Poisson parameters", Statistics in Medicine 1991;10:457-62, with Byar's limits for the
  total observed count.
- Proportions: Wilson's score interval (Wilson, JASA 1927; Newcombe, Statistics in
  Medicine 1998;17:857-72, method 3), which stays inside 0-1 and behaves at 0 and n.

The point estimate of a standardised rate is computed in exact rational arithmetic, so that
a population whose every age band has rate r gives exactly r.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Z95 = 1.959963984540054  # the 97.5th centile of the standard normal

# European Standard Population 2013 (Eurostat 2013), five-year bands to 90+, per 100,000.
ESP2013: tuple[tuple[int, int | None, int], ...] = (
    (0, 4, 5000),
    (5, 9, 5500),
    (10, 14, 5500),
    (15, 19, 5500),
    (20, 24, 6000),
    (25, 29, 6000),
    (30, 34, 6500),
    (35, 39, 7000),
    (40, 44, 7000),
    (45, 49, 7000),
    (50, 54, 7000),
    (55, 59, 6500),
    (60, 64, 6000),
    (65, 69, 5500),
    (70, 74, 5000),
    (75, 79, 4000),
    (80, 84, 2500),
    (85, 89, 1500),
    (90, None, 1000),
)
ESP2013_65PLUS = tuple(band for band in ESP2013 if band[0] >= 65)


def esp_band(age: int, bands: Sequence[tuple[int, int | None, int]] = ESP2013) -> int | None:
    """The index of the band holding `age` (None when below the first band)."""
    for i, (low, high, _weight) in enumerate(bands):
        if age >= low and (high is None or age <= high):
            return i
    return None


@dataclass(frozen=True)
class Estimate:
    value: float | None
    numerator: int
    denominator: int
    ci95: tuple[float, float] | None


def byar(observed: int, z: float = Z95) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson limits of an observed count."""
    if observed < 0:
        raise ValueError("a count cannot be negative")
    o = observed
    lower = 0.0 if o == 0 else o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def wilson(numerator: int, denominator: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion, as fractions of 1."""
    if denominator <= 0 or not 0 <= numerator <= denominator:
        raise ValueError("need 0 <= numerator <= denominator and denominator > 0")
    p = numerator / denominator
    n = denominator
    centre = 2 * n * p + z * z
    spread = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    bottom = 2 * (n + z * z)
    return max(0.0, (centre - spread) / bottom), min(1.0, (centre + spread) / bottom)


def proportion(numerator: int, denominator: int, scale: float = 100.0) -> Estimate:
    """A percentage (scale 100) with Wilson's interval; no value when nobody is counted."""
    if denominator == 0:
        return Estimate(None, numerator, denominator, None)
    low, high = wilson(numerator, denominator)
    return Estimate(
        numerator * scale / denominator, numerator, denominator, (low * scale, high * scale)
    )


def crude_rate(observed: int, population: int, per: int = 100_000) -> Estimate:
    """Events per `per` people, with Byar's limits on the count."""
    if population == 0:
        return Estimate(None, observed, population, None)
    low, high = byar(observed)
    return Estimate(
        observed * per / population,
        observed,
        population,
        (low * per / population, high * per / population),
    )


def directly_standardised(
    observed: Sequence[int], population: Sequence[int], weights: Sequence[int], per: int = 100_000
) -> Estimate:
    """The directly standardised rate: sum of w_i * O_i / n_i over sum of w_i, per `per`.

    Bands with no population contribute nothing to the rate (their weight is still counted,
    as the observatories do; a band with events but no population is an error). Interval:
    Dobson's method, DSR +/- sqrt(var(DSR) / O) * (O_limit - O) with Byar's limits on O.
    """
    if not len(observed) == len(population) == len(weights):
        raise ValueError("observed, population and weights need one entry per band")
    total_o = sum(observed)
    total_n = sum(population)
    if total_n == 0:
        return Estimate(None, total_o, total_n, None)
    w_sum = sum(weights)
    dsr = Fraction(0)
    var = Fraction(0)
    for o, n, w in zip(observed, population, weights, strict=True):
        if n == 0:
            if o:
                raise ValueError("events in an age band with no population")
            continue
        dsr += Fraction(w * o, n)
        var += Fraction(w * w * o, n * n)
    dsr = dsr / w_sum * per
    var = var / (w_sum * w_sum) * per * per
    value = float(dsr)
    if total_o == 0:
        # No events: the interval is Byar's upper limit spread as a crude rate would be.
        return Estimate(value, total_o, total_n, (0.0, byar(0)[1] * per / total_n))
    low_o, high_o = byar(total_o)
    root = math.sqrt(float(var) / total_o)
    return Estimate(
        value,
        total_o,
        total_n,
        (max(0.0, value + root * (low_o - total_o)), value + root * (high_o - total_o)),
    )


def indirectly_standardised(
    observed: Sequence[int],
    population: Sequence[int],
    reference_rates: Sequence[Fraction],
    reference_crude: Fraction,
    per: int = 100_000,
) -> Estimate:
    """The indirectly standardised rate: (O / E) * the reference population's crude rate,
    where E = sum of n_i * reference rate_i. Interval: Byar's limits on O, divided by E.
    When the standard expects no events at all, the crude rate."""
    if not len(observed) == len(population) == len(reference_rates):
        raise ValueError("observed, population and reference rates need one entry per stratum")
    total_o = sum(observed)
    total_n = sum(population)
    expected = sum(
        (Fraction(n) * r for n, r in zip(population, reference_rates, strict=True)), Fraction(0)
    )
    if total_n == 0:
        return Estimate(None, total_o, total_n, None)
    if expected == 0:
        # The standard expects no events (no one had one): nothing to compare with, so
        # the crude rate, with its interval.
        return crude_rate(total_o, total_n, per)
    scale = reference_crude * per / expected
    low_o, high_o = byar(total_o)
    return Estimate(
        float(total_o * scale), total_o, total_n, (low_o * float(scale), high_o * float(scale))
    )
