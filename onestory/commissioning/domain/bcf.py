"""The Better Care Fund's five national metrics (BCF planning requirements 2023-25), as pure
rules over hospital spells, social care episodes and population counts.

Each metric's definition (numerator, denominator, population, method) is in its function's
docstring and in docs/COMMISSIONING.md. "Year" is a financial year, 1 April to 31 March.
Population counts are of people in the linked record alive on the year's mid-point, 30 September
(the middle of the financial year), by age on that day.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from onestory.commissioning.domain import stats
from onestory.commissioning.domain.codes import CodeList

USUAL_RESIDENCE = frozenset({"usual place of residence", "19"})  # text, or the SUS code
DIED = frozenset({"died", "79"})
CARE_HOME = frozenset({"residential", "nursing"})
REABLEMENT_SETTING = "reablement"
# A care-home episode starting within this many days of the person's last one ending is a
# move (residential to nursing, or between homes), not a new permanent admission.
TRANSFER_GAP_DAYS = 7
# Reablement "on discharge": starting on the discharge day or within this many days after.
REABLEMENT_START_DAYS = 7
FOLLOW_UP_DAYS = 91
OLDER = 65

# The metrics' names in `onestory bcf metrics --json`, and how pages label them.
AVOIDABLE = "avoidable_admissions_per_100k"
DISCHARGE = "discharge_usual_residence_pct"
FALLS = "falls_65plus_per_100k"
PERMANENT = "permanent_admissions_65plus_per_100k"
REABLEMENT = "reablement_91day_pct"
LABELS = {
    AVOIDABLE: "Unplanned admissions for chronic ambulatory care sensitive conditions, per 100,000",
    DISCHARGE: "Discharged from hospital to their usual place of residence, %",
    FALLS: "Emergency admissions due to falls, people 65 and over, per 100,000",
    PERMANENT: "Permanent admissions to residential and nursing care, 65 and over, per 100,000",
    REABLEMENT: "Still at home 91 days after discharge into reablement, 65 and over, %",
}


@dataclass(frozen=True)
class Year:
    """A financial year, "2025-26": 1 April 2025 to 31 March 2026."""

    first: int

    @classmethod
    def parse(cls, text: str) -> "Year":
        m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not m or (int(m[1]) + 1) % 100 != int(m[2]):
            raise ValueError(f"Year {text!r} is not a financial year like 2025-26.")
        return cls(int(m[1]))

    @property
    def label(self) -> str:
        return f"{self.first}-{(self.first + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.first, 4, 1)

    @property
    def end(self) -> date:
        return date(self.first + 1, 3, 31)

    @property
    def midpoint(self) -> date:
        return date(self.first, 9, 30)

    @property
    def reablement_window(self) -> tuple[date, date]:
        """Discharges from 1 October to 31 December (ASCOF 2B(1))."""
        return date(self.first, 10, 1), date(self.first, 12, 31)

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True)
class Spell:
    """A hospital spell: age and sex at admission; codes as the hospital sent them."""

    person_id: int
    age: int
    sex: str
    admitted: date
    discharged: date | None
    emergency: bool
    diagnosis: str
    destination: str = ""
    external_cause: str = ""


@dataclass(frozen=True)
class CareEpisode:
    """A council-supported social care service: setting is residential, nursing,
    reablement or community; age at its start."""

    person_id: int
    age: int
    setting: str
    start: date
    end: date | None


def age_band(age: int, bands: Sequence[tuple[int, int | None, int]] = stats.ESP2013) -> int | None:
    return stats.esp_band(age, bands)


# --- 1. avoidable admissions ---------------------------------------------------------------


def stratum(age: int, sex: str) -> tuple[int, str]:
    """Indirect standardisation strata: ESP 2013 five-year band by sex."""
    band = stats.esp_band(age)
    return (band if band is not None else 0, sex or "unknown")


@dataclass(frozen=True)
class Reference:
    """Stratum-specific rates and the crude rate of the standard population."""

    rates: Mapping[tuple[int, str], Fraction]
    crude: Fraction


def avoidable_spells(spells: Iterable[Spell], year: Year, acsc: CodeList) -> list[Spell]:
    """Emergency admissions in the year whose primary diagnosis is a chronic ambulatory care
    sensitive condition (NHS Outcomes Framework 2.3.i), all ages."""
    return [
        s for s in spells if s.emergency and year.holds(s.admitted) and acsc.matches(s.diagnosis)
    ]


def reference_from(
    counted: Iterable[Spell], population: Mapping[tuple[int, str], int]
) -> Reference:
    """A standard built from a population's own rates (the whole installation until national
    rates are loaded): for the whole installation the standardised rate equals its crude
    rate, and each area below it is compared with the installation."""
    observed: dict[tuple[int, str], int] = defaultdict(int)
    for s in counted:
        observed[stratum(s.age, s.sex)] += 1
    rates = {k: Fraction(observed.get(k, 0), n) for k, n in population.items() if n}
    total = sum(population.values())
    return Reference(rates, Fraction(sum(observed.values()), total) if total else Fraction(0))


def avoidable_admissions(
    spells: Iterable[Spell],
    population: Mapping[tuple[int, str], int],
    year: Year,
    acsc: CodeList,
    reference: Reference | None = None,
) -> stats.Estimate:
    """Unplanned hospitalisation for chronic ambulatory care sensitive conditions, per
    100,000 population, indirectly standardised by age (ESP 2013 five-year bands) and sex.

    Numerator: emergency admissions in the year with an ACSC primary diagnosis (every
    admission counts, not people). Denominator: the population at the year's mid-point.
    Standard: `reference` (default: this population's own stratum rates). Interval: Byar's
    limits on the observed count over the expected count."""
    counted = avoidable_spells(spells, year, acsc)
    ref = reference or reference_from(counted, population)
    observed: dict[tuple[int, str], int] = defaultdict(int)
    for s in counted:
        observed[stratum(s.age, s.sex)] += 1
    keys = sorted(set(population) | set(observed))
    return stats.indirectly_standardised(
        [observed.get(k, 0) for k in keys],
        [population.get(k, 0) for k in keys],
        [ref.rates.get(k, Fraction(0)) for k in keys],
        ref.crude,
    )


# --- 2. discharge to usual place of residence ------------------------------------------------


def discharge_usual_residence(spells: Iterable[Spell], year: Year) -> stats.Estimate:
    """The % of discharges from acute hospital in the year that were to the person's usual
    place of residence. Denominator: spells discharged in the year with a recorded
    destination, leaving out deaths in hospital; numerator: those discharged to their
    usual place of residence. All ages, every admission method. Wilson interval."""
    numerator = denominator = 0
    for s in spells:
        destination = s.destination.strip().lower()
        if not year.holds(s.discharged) or not destination or destination in DIED:
            continue
        denominator += 1
        numerator += destination in USUAL_RESIDENCE
    return stats.proportion(numerator, denominator)


# --- 3. falls ---------------------------------------------------------------------------------


def is_fall(spell: Spell, injury: CodeList, fall_cause: CodeList) -> bool:
    """Primary diagnosis an injury (ICD-10 S00-T98) with a fall as external cause (W00-W19),
    or a primary diagnosis that is itself a fall (SNOMED CT 217082002 |Accidental fall|, as
    the synthetic acute extract codes it)."""
    if fall_cause.matches(spell.diagnosis):
        return True
    return injury.matches(spell.diagnosis) and fall_cause.matches(spell.external_cause)


def falls_65plus(
    spells: Iterable[Spell],
    population: Sequence[int],
    year: Year,
    injury: CodeList,
    fall_cause: CodeList,
) -> stats.Estimate:
    """Emergency admissions due to falls, people 65+, directly age-standardised per 100,000
    (ESP 2013 bands 65-69 ... 90+). Numerator: emergency admissions in the year of people
    aged 65+ on admission meeting `is_fall`. `population`: people 65+ at the mid-point in
    the six bands. Interval: Dobson's method with Byar's limits."""
    if len(population) != len(stats.ESP2013_65PLUS):
        raise ValueError("falls need the 65+ population in six ESP 2013 bands")
    observed = [0] * len(stats.ESP2013_65PLUS)
    for s in spells:
        if (
            s.emergency
            and s.age >= OLDER
            and year.holds(s.admitted)
            and is_fall(s, injury, fall_cause)
        ):
            band = stats.esp_band(s.age, stats.ESP2013_65PLUS)
            assert band is not None
            observed[band] += 1
    return stats.directly_standardised(
        observed, list(population), [w for _lo, _hi, w in stats.ESP2013_65PLUS]
    )


# --- 4. permanent admissions to residential and nursing care -------------------------------


def new_placements(episodes: Iterable[CareEpisode]) -> list[CareEpisode]:
    """The care-home episodes that begin a permanent placement: the first for a person, or
    one starting more than TRANSFER_GAP_DAYS after their previous care-home episode ended. A
    move from residential to nursing care (or between homes) is not a new admission."""
    by_person: dict[int, list[CareEpisode]] = defaultdict(list)
    for e in episodes:
        if e.setting in CARE_HOME:
            by_person[e.person_id].append(e)
    new: list[CareEpisode] = []
    for person_episodes in by_person.values():
        person_episodes.sort(key=lambda e: e.start)
        covered_to: date | None = None
        open_ended = False
        for e in person_episodes:
            continuing = open_ended or (
                covered_to is not None and e.start <= covered_to + timedelta(TRANSFER_GAP_DAYS)
            )
            if not continuing:
                new.append(e)
            if e.end is None:
                open_ended = True
            elif covered_to is None or e.end > covered_to:
                covered_to = e.end
    return new


def permanent_admissions_65plus(
    episodes: Iterable[CareEpisode], population_65plus: int, year: Year
) -> stats.Estimate:
    """Permanent admissions of people 65+ to residential and nursing care per 100,000
    population 65+ (ASCOF 2C part 2, formerly 2A(2)). Numerator: people whose council-
    supported permanent placement began in the year when aged 65+ (a person placed twice in
    the year counts once; a transfer is not a placement). Denominator: people 65+ at the
    mid-point. Crude rate (ASCOF does not standardise); Byar's interval."""
    people = {
        e.person_id for e in new_placements(episodes) if e.age >= OLDER and year.holds(e.start)
    }
    return stats.crude_rate(len(people), population_65plus)


# --- 5. reablement ------------------------------------------------------------------------------


def deaths_from(spells: Iterable[Spell]) -> dict[int, date]:
    """Deaths the hospital knows of: spells that ended with the person dying."""
    died: dict[int, date] = {}
    for s in spells:
        if s.destination.strip().lower() in DIED and s.discharged is not None:
            died[s.person_id] = min(s.discharged, died.get(s.person_id, s.discharged))
    return died


@dataclass(frozen=True)
class ReablementOutcome:
    person_id: int
    discharged: date
    day_91: date
    at_home: bool
    why_not: str  # "" when at home; "died", "in hospital", "in a care home"


def reablement_cohort(
    spells: Sequence[Spell],
    episodes: Sequence[CareEpisode],
    year: Year,
    deaths: Mapping[int, date] | None = None,
) -> list[ReablementOutcome]:
    """People 65+ discharged alive from hospital between 1 October and 31 December into
    reablement (a reablement service starting on the discharge day or within
    REABLEMENT_START_DAYS after), each once at their first such discharge, with where they
    were on day 91 after it. Dying, being in hospital, or being in a residential or nursing
    placement on day 91 is not being at home, and all of them stay in the cohort."""
    died = dict(deaths_from(spells))
    for person_id, day in (deaths or {}).items():
        died[person_id] = min(day, died.get(person_id, day))
    first, last = year.reablement_window
    reablement: dict[int, list[date]] = defaultdict(list)
    homes: dict[int, list[CareEpisode]] = defaultdict(list)
    for e in episodes:
        if e.setting == REABLEMENT_SETTING:
            reablement[e.person_id].append(e.start)
        elif e.setting in CARE_HOME:
            homes[e.person_id].append(e)
    stays: dict[int, list[Spell]] = defaultdict(list)
    for s in spells:
        stays[s.person_id].append(s)
    chosen: dict[int, date] = {}
    for s in spells:
        if (
            s.discharged is None
            or not first <= s.discharged <= last
            or s.age < OLDER
            or s.destination.strip().lower() in DIED
        ):
            continue
        if not any(
            0 <= (start - s.discharged).days <= REABLEMENT_START_DAYS
            for start in reablement.get(s.person_id, ())
        ):
            continue
        if s.person_id not in chosen or s.discharged < chosen[s.person_id]:
            chosen[s.person_id] = s.discharged
    outcomes = []
    for person_id, discharged in sorted(chosen.items()):
        day = discharged + timedelta(FOLLOW_UP_DAYS)
        why = ""
        if person_id in died and died[person_id] <= day:
            why = "died"
        elif any(
            s.admitted <= day and (s.discharged is None or s.discharged > day)
            for s in stays[person_id]
        ):
            why = "in hospital"
        elif any(e.start <= day and (e.end is None or e.end >= day) for e in homes[person_id]):
            why = "in a care home"
        outcomes.append(ReablementOutcome(person_id, discharged, day, why == "", why))
    return outcomes


def reablement_91day(
    spells: Sequence[Spell],
    episodes: Sequence[CareEpisode],
    year: Year,
    deaths: Mapping[int, date] | None = None,
) -> stats.Estimate:
    """The % of people 65+ discharged from hospital into reablement (1 October to 31
    December) still at home 91 days later (ASCOF 2B(1)). Denominator: `reablement_cohort`,
    deaths and people in hospital or a care home on day 91 included; numerator: those at
    home on day 91. Wilson interval."""
    cohort = reablement_cohort(spells, episodes, year, deaths)
    return stats.proportion(sum(o.at_home for o in cohort), len(cohort))
