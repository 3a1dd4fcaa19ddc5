"""People per segment 5 and 10 years ahead, projected from the age structure alone.

Method (docs/COMMISSIONING.md, "Projection"):
1. Age-specific segment rates now: in each age band (under 1, 1-4, 5-9, …, 85-89, 90+) the
   share of its people in each segment.
2. The population by single year of age is aged on a whole year at a time; at each age a
   share q(x) dies, from a simple Gompertz life table q(x) = min(1, exp(A + B·x)) with
   A = −10.2 and B = 0.09 (within about a fifth of England's National Life Tables 2020–22,
   persons, from age 50 to 90; it understates deaths in infancy, which are few).
3. Births each year equal the people aged under 1 now; no migration.
4. People per segment at the horizon = Σ over ages of people at that age × the segment's
   rate in the age's band now.

Nothing else changes: the rates are today's, so the projection says what the age structure
alone implies — not what prevention, new services or a changing prevalence would do.
At horizon 0 it gives back today's counts exactly."""

import math
from collections import defaultdict

GOMPERTZ_A = -10.2
GOMPERTZ_B = 0.09
MAX_AGE = 110  # the oldest single year kept: people older count as 110
HORIZONS = (5, 10)
BANDS = (0, 1, *range(5, 95, 5))  # each band's lowest age; the last is 90+


def band(age: int) -> int:
    """The index in BANDS of the band holding `age`."""
    index = 0
    for i, low in enumerate(BANDS):
        if age >= low:
            index = i
    return index


def death_probability(age: int) -> float:
    """The chance of dying within a year at `age` (the Gompertz life table above)."""
    return min(1.0, math.exp(GOMPERTZ_A + GOMPERTZ_B * age))


def segment_rates(
    counts: dict[tuple[int, str], int], segments: tuple[str, ...]
) -> dict[int, dict[str, float]]:
    """Per age band: the share of its people in each segment. A band with nobody in it takes
    the whole population's shares (its people at the horizon have to be somewhere)."""
    by_band: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(segments, 0))
    overall = dict.fromkeys(segments, 0)
    for (age, segment), n in counts.items():
        by_band[band(age)][segment] += n
        overall[segment] += n
    everyone = sum(overall.values())
    fallback = {s: (overall[s] / everyone if everyone else 0.0) for s in segments}
    rates: dict[int, dict[str, float]] = {}
    for b in range(len(BANDS)):
        held = by_band.get(b)
        total = sum(held.values()) if held else 0
        rates[b] = {s: held[s] / total for s in segments} if held and total else fallback
    return rates


def age_on(population: dict[int, float], years: int) -> dict[int, float]:
    """The population by single year of age after `years` years: survivors aged on, births
    each year equal to the people aged under 1 now."""
    births = population.get(0, 0.0)
    current = {min(a, MAX_AGE): 0.0 for a in population}
    for a, n in population.items():
        current[min(a, MAX_AGE)] += n
    for _ in range(years):
        nxt: dict[int, float] = defaultdict(float)
        for a, n in current.items():
            nxt[min(a + 1, MAX_AGE)] += n * (1 - death_probability(a))
        nxt[0] += births
        current = dict(nxt)
    return current


def project(
    counts: dict[tuple[int, str], int],
    segments: tuple[str, ...],
    horizons: tuple[int, ...] = HORIZONS,
) -> dict[int, dict[str, float]]:
    """People per segment at each horizon (years ahead; 0 is now), from `counts`: people by
    (age in whole years, segment) now."""
    rates = segment_rates(counts, segments)
    population: dict[int, float] = defaultdict(float)
    for (age, _segment), n in counts.items():
        population[age] += n
    out: dict[int, dict[str, float]] = {}
    for years in horizons:
        aged = age_on(dict(population), years)
        shares: dict[str, float] = dict.fromkeys(segments, 0.0)
        for age, alive in aged.items():
            for s, r in rates[band(age)].items():
                shares[s] += alive * r
        out[years] = shares
    return out


ROUND_TO = 10


def published(value: float, current: int | None) -> int | None:
    """A projected count as shown: rounded to the nearest 10, and withheld when the count it
    grows from is withheld (a projection of a small number would give it back)."""
    if current is None:
        return None
    return int(round(value / ROUND_TO) * ROUND_TO)
