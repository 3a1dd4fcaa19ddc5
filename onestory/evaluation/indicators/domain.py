"""Indicators per locality and quarter: what each one counts, and how a row's rates and
intervals are computed from counts by age band (pure; no Django, no DuckDB).

The SQL in `engine` counts events and people by partnership, locality, quarter and ESP 2013
age band; `row` turns those counts into the panel's figures with commissioning's statistics
(`commissioning.domain.stats`: Byar, Dobson, Wilson) and `published` applies its
small-number rule (`commissioning.domain.suppression`). Definitions: docs/EVALUATION.md,
"Indicators".
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from onestory.commissioning.domain import bcf, stats, suppression

RATE = "rate"  # events per 100,000 people, crude and directly standardised
PERCENT = "percent"  # a proportion as a percentage, Wilson interval
COST = "cost"  # pounds per head of the population
ALL_AGES = 0
OLDER = 65

PANEL_COLUMNS = (
    "partnership",
    "locality",
    "quarter",
    "indicator",
    "numerator",
    "denominator",
    "rate_per_100k",
    "std_rate_per_100k",
    "ci_low",
    "ci_high",
)


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    kind: str  # RATE, PERCENT or COST
    min_age: int  # ALL_AGES, or OLDER: counted among, and per, people 65 and over
    numerator: str  # what is counted, in words
    denominator: str


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            "emergency_admissions",
            "Emergency admissions, per 100,000",
            RATE,
            ALL_AGES,
            "emergency admissions (spells) starting in the quarter",
            "people alive and living in the locality on the quarter's first day",
        ),
        Indicator(
            "ae_attendances",
            "A&E attendances, per 100,000",
            RATE,
            ALL_AGES,
            "A&E attendances in the quarter, whether or not admitted",
            "people alive and living in the locality on the quarter's first day",
        ),
        Indicator(
            "bed_days",
            "Hospital bed days, per 100,000",
            RATE,
            ALL_AGES,
            "nights in hospital in the quarter, from every spell overlapping it",
            "people alive and living in the locality on the quarter's first day",
        ),
        Indicator(
            "care_home_admissions",
            "Permanent admissions to residential and nursing care, 65 and over, per 100,000",
            RATE,
            OLDER,
            "people 65+ whose permanent care-home placement began in the quarter (BCF/ASCOF "
            "2C: a move between homes or to nursing care within 7 days is not a new one)",
            "people 65+ on the quarter's first day",
        ),
        Indicator(
            "avoidable_admissions",
            "Unplanned admissions for chronic ambulatory care sensitive conditions, per 100,000",
            RATE,
            ALL_AGES,
            "emergency admissions in the quarter with a chronic ACSC primary diagnosis",
            "people alive and living in the locality on the quarter's first day",
        ),
        Indicator(
            "falls_65plus",
            "Emergency admissions due to falls, 65 and over, per 100,000",
            RATE,
            OLDER,
            "emergency admissions in the quarter of people 65+ for a fall",
            "people 65+ on the quarter's first day",
        ),
        Indicator(
            "discharge_usual_residence",
            "Discharged from hospital to their usual place of residence, %",
            PERCENT,
            ALL_AGES,
            "spells discharged in the quarter to the usual place of residence",
            "spells discharged in the quarter with a destination, deaths left out",
        ),
        Indicator(
            "reablement_91d",
            "Still at home 91 days after discharge into reablement, 65 and over, %",
            PERCENT,
            OLDER,
            "people at home on day 91",
            "people 65+ discharged in the quarter into reablement (first such discharge)",
        ),
        Indicator(
            "cost_per_head",
            "Cost of hospital and care-home use, pounds per head",
            COST,
            ALL_AGES,
            "pounds: emergency spells, bed days, A&E attendances and care-home weeks in the "
            "quarter at the unit costs in indicators/unit_costs.csv",
            "people alive and living in the locality on the quarter's first day",
        ),
    )
}
# The Better Care Fund's five metrics, as quarterly indicators of this panel.
BCF_INDICATORS = (
    "avoidable_admissions",
    "discharge_usual_residence",
    "falls_65plus",
    "care_home_admissions",
    "reablement_91d",
)
# Asked for but not computable from the extracts OneStory takes in; why, in words.
NOT_COMPUTABLE = {
    "delayed_discharges": "the acute extracts carry no medically-fit-for-discharge date and "
    "no delayed-discharge flag",
    "deaths_usual_residence": "the only deaths the linked record holds are deaths in hospital "
    "(a spell ending in death); without deaths at home and in care homes the share in the "
    "usual place of residence cannot be computed",
}


class UnknownIndicator(ValueError):
    pass


def check_names(names: Sequence[str]) -> list[str]:
    """The names, each one known; an UnknownIndicator that lists the known ones (and says
    why a not-computable one is missing) otherwise."""
    for name in names:
        if name in NOT_COMPUTABLE:
            raise UnknownIndicator(f"{name} cannot be computed: {NOT_COMPUTABLE[name]}.")
        if name not in INDICATORS:
            raise UnknownIndicator(
                f"Unknown indicator {name!r} (indicators: {', '.join(INDICATORS)})."
            )
    return list(dict.fromkeys(names))


# --- quarters --------------------------------------------------------------------------------

_QUARTER = re.compile(r"(\d{4})Q([1-4])")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: "2025Q3" is 1 July to 30 September 2025."""

    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        m = _QUARTER.fullmatch(text.strip().upper())
        if not m:
            raise ValueError(f"Quarter {text!r} is not like 2025Q3.")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def words(self) -> str:
        """The quarter as a reader sees it: "July to September 2025"."""
        months = ("January to March", "April to June", "July to September", "October to December")
        return f"{months[self.q - 1]} {self.year}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> "Quarter":
        return Quarter(self.year + (self.q == 4), self.q % 4 + 1)


def quarters(first: Quarter, last: Quarter) -> list[Quarter]:
    out = []
    q = first
    while q <= last:
        out.append(q)
        q = q.next()
    return out


def last_complete(today: date) -> Quarter:
    """The last quarter that has ended by `today`."""
    q = Quarter.of(today)
    prev = Quarter(q.year - (q.q == 1), (q.q - 2) % 4 + 1)
    return q if q.end < today else prev


@dataclass(frozen=True)
class QuarterYear(bcf.Year):
    """A quarter in the shape of commissioning's financial year, so that its reablement rule
    (`bcf.reablement_cohort`) runs on one quarter's discharges."""

    q: int = 1

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.first, self.q)

    @property
    def label(self) -> str:
        return self.quarter.label

    @property
    def start(self) -> date:
        return self.quarter.start

    @property
    def end(self) -> date:
        return self.quarter.end

    @property
    def midpoint(self) -> date:
        return self.start + timedelta(days=45)

    @property
    def reablement_window(self) -> tuple[date, date]:
        return self.start, self.end


# --- figures ---------------------------------------------------------------------------------

BANDS = len(stats.ESP2013)  # age band i: 5i to 5i+4, the last 90 and over
OLDER_BAND = 13  # 65-69, the first of ESP2013_65PLUS


def band_sql(age: str) -> str:
    """SQL for an age's ESP 2013 band index (0-18)."""
    return f"least(greatest({age}, 0) // 5, {BANDS - 1})"


def estimate(
    indicator: Indicator, observed: Sequence[int], population: Sequence[int]
) -> tuple[stats.Estimate, stats.Estimate | None]:
    """(crude, directly standardised). For a rate, `observed` and `population` are counts in
    the 19 ESP 2013 bands (65+ indicators use the six bands from 65). For a percentage,
    the numerator and the denominator (any split: they are summed), Wilson's interval and
    no standardised figure; for a cost, pounds and people, pounds per head and no interval."""
    if indicator.kind == PERCENT:
        return stats.proportion(sum(observed), sum(population)), None
    if indicator.kind == COST:
        pounds, people = round(sum(observed)), sum(population)
        return stats.Estimate(pounds / people if people else None, pounds, people, None), None
    first = OLDER_BAND if indicator.min_age else 0
    obs, pop = list(observed[first:]), list(population[first:])
    weights = [w for _lo, _hi, w in stats.ESP2013[first:]]
    # An event in a band with nobody counted in it (born or moved in during the quarter)
    # cannot be standardised; it still counts in the crude rate.
    kept = [o if n else 0 for o, n in zip(obs, pop, strict=True)]
    crude = stats.crude_rate(sum(obs), sum(pop))
    return crude, stats.directly_standardised(kept, pop, weights)


def row(
    indicator: Indicator, observed: Sequence[int], population: Sequence[int]
) -> dict[str, float | int | None]:
    """numerator, denominator, rate_per_100k, std_rate_per_100k, ci_low, ci_high for the
    panel (see `estimate` for the inputs). For a percentage the rate column holds the
    percentage; for a cost, pounds per head. The interval is the standardised rate's
    (Dobson) where there is one, else the crude rate's (Byar) or the proportion's (Wilson)."""
    crude, std = estimate(indicator, observed, population)
    ci = (std.ci95 if std is not None else None) or crude.ci95
    return {
        "numerator": crude.numerator,
        "denominator": crude.denominator,
        "rate_per_100k": crude.value,
        "std_rate_per_100k": None if std is None else std.value,
        "ci_low": None if ci is None else ci[0],
        "ci_high": None if ci is None else ci[1],
    }


DECIMALS = 1


def published(values: dict) -> dict:
    """A panel row as it may be shown: when the numerator or the denominator is 1-7 (see
    `suppression`) the numerator and every figure derived from it are withheld (None) and
    `suppressed` is true; otherwise figures are rounded. A cost's numerator is pounds, not
    people, so only its denominator is checked."""
    out = dict(values)
    small_num = values.get("indicator") != "cost_per_head" and suppression.is_small(
        int(values["numerator"] or 0)
    )
    small_den = suppression.is_small(int(values["denominator"] or 0))
    if small_num or small_den:
        out.update(
            numerator=None,
            denominator=None if small_den else values["denominator"],
            rate_per_100k=None,
            std_rate_per_100k=None,
            ci_low=None,
            ci_high=None,
            suppressed=True,
        )
        return out
    for key in ("rate_per_100k", "std_rate_per_100k", "ci_low", "ci_high"):
        if out.get(key) is not None:
            cost = values.get("indicator") == "cost_per_head"
            out[key] = round(float(out[key]), 2 if cost else DECIMALS)
    out["suppressed"] = False
    return out
