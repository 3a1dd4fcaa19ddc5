"""The clinical and care course: the causal model, as plain numpy functions of a person's
state. docs/SYNTHETIC_DATA.md ("A synthetic nation") gives the same model in words.

Every rate here is per quarter. `State` holds one array per attribute; the functions read
the fields they need and return an array with one value per person. Nothing here draws
random numbers: `simulate` does the drawing, so each part can be tested on its own
(a frailer person has a higher expected number of admissions, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --- the coefficients (log-rate per unit) -----------------------------------------------
DEFICITS = 36  # eFI deficits (Clegg et al. 2016)
MAX_LTC = 12
DEFICIT_RATE_AT_70 = 0.34  # deficits a year at 70, before propensity and deprivation
DEFICIT_GROWTH = 0.06  # per year of age
LTC_RATE_AT_70 = 0.12
LTC_GROWTH = 0.04
DEPRIVATION_GRADIENT = 0.08  # per decile below the middle (5.5), on accrual

EMERGENCY = {  # "other" emergency admissions
    "base": np.log(0.022),
    "age": 0.006,  # per year over 50
    "deficit": 0.25,
    "ltc": 0.03,
    "fall": 0.45,  # admitted after a fall in the last year
    "alone": 0.25,  # 65+ and living alone
    "gap": 0.40,  # needs social care and has none
    "carer_breakdown": 0.50,  # carer broke down in the last two quarters
    "deprivation": 0.05,  # per decile below the middle
    "care_home": 0.25,
}
ACSC = {  # chronic ambulatory-care-sensitive conditions
    "base": np.log(0.004),
    "age": 0.008,
    "deficit": 0.20,
    "ltc": 0.12,
    "gap": 0.30,
    "deprivation": 0.08,
}
FALLS = {  # emergency admissions after a fall (people 50+)
    "base": np.log(0.004),
    "age": 0.03,  # per year over 65
    "deficit": 0.22,
    "fall": 0.80,
    "alone": 0.30,
    "care_home": 0.50,
}
AE = {  # A&E attendances that do not end in admission
    "base": np.log(0.28),
    "age": -0.004,
    "deficit": 0.05,
    "ltc": 0.08,
    "fall": 0.35,
    "gap": 0.20,
    "deprivation": 0.07,
}
CARE_HOME = {  # permanent admission from the community, 65+
    "base": np.log(0.0008),
    "deficit": 0.17,
    "alone": 0.60,
    "carer_breakdown": 1.10,
    "gap": 0.70,
}
DEATH = {  # Gompertz: log annual hazard = base + slope * age
    "base": -10.5,
    "age": 0.085,
    "deficit": 0.05,
    "care_home": 0.70,
}
CARER_BREAKDOWN = 0.02  # per quarter, rising with the cared-for person's deficits
NEED_DEFICITS = 9  # moderate frailty at 65+: needs social care
MOVE_RATE = 0.008  # per quarter; 80% of moves stay in the partnership
BIRTH_RATE = 0.014  # per quarter per woman aged 18–44
SEASON = (1.18, 0.93, 0.90, 1.06)  # quarters starting January, April, July, October
TREND = 0.015  # a year

# Unit costs (pounds, 2025/26 prices): health and social care.
UNIT_COSTS: dict[str, tuple[float, str]] = {
    "ae_attendance": (242.0, "per attendance"),
    "emergency_admission": (1_650.0, "per spell, plus the bed days"),
    "bed_day": (420.0, "per day in hospital"),
    "reablement_week": (400.0, "per week of reablement (14 hours)"),
    "home_care_hour": (28.50, "per hour (the locality's price is used where known)"),
    "care_home_week": (1_100.0, "per week (the locality's price is used where known)"),
    "mdt_case_management_quarter": (180.0, "per person reached, per quarter"),
}


@dataclass
class State:
    """One chunk of people: one array per attribute (length = the chunk's capacity)."""

    age: np.ndarray  # years, float
    female: np.ndarray  # bool
    imd: np.ndarray  # decile, 1 most deprived
    propensity: np.ndarray  # individual frailty propensity (mean 1)
    deficits: np.ndarray  # eFI deficits, 0..36
    ltc: np.ndarray  # long-term conditions, 0..12
    lives_alone: np.ndarray  # bool
    carer: np.ndarray  # bool: has an unpaid carer
    carer_broke_q: np.ndarray  # quarter of the last carer breakdown (-99: never)
    package: np.ndarray  # bool: receives a home care package
    care_home: np.ndarray  # bool: lives in a care home
    fall_q: np.ndarray  # quarter of the last falls admission (-99: never)
    alive: np.ndarray  # bool, and born


def deprivation(imd: np.ndarray) -> np.ndarray:
    """Deciles below the middle: positive where deprived."""
    return 5.5 - imd.astype(np.float64)


def expected_deficits(age: np.ndarray, imd: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """Deficits accrued by `age`: the accrual rate integrated from birth, saturating as
    in `deficit_accrual` (D = 36 (1 − e^(−R/36)) for the unsaturated integral R)."""
    dep = 1.0 + DEPRIVATION_GRADIENT * deprivation(imd)
    raw = DEFICIT_RATE_AT_70 / DEFICIT_GROWTH * np.exp(DEFICIT_GROWTH * (age - 70))
    return DEFICITS * (1.0 - np.exp(-raw * dep * propensity / DEFICITS))


def expected_ltc(age: np.ndarray, imd: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    dep = 1.0 + DEPRIVATION_GRADIENT * deprivation(imd)
    return LTC_RATE_AT_70 / LTC_GROWTH * np.exp(LTC_GROWTH * (age - 70)) * dep * propensity**0.5


def deficit_accrual(s: State) -> np.ndarray:
    """Expected new deficits this quarter."""
    dep = 1.0 + DEPRIVATION_GRADIENT * deprivation(s.imd)
    rate = DEFICIT_RATE_AT_70 * np.exp(DEFICIT_GROWTH * (s.age - 70)) * dep * s.propensity / 4
    # Fewer deficits are left to accrue as the count rises.
    return np.where(s.deficits < DEFICITS, rate * (1.0 - s.deficits / DEFICITS), 0.0)


def ltc_accrual(s: State) -> np.ndarray:
    dep = 1.0 + DEPRIVATION_GRADIENT * deprivation(s.imd)
    rate = LTC_RATE_AT_70 * np.exp(LTC_GROWTH * (s.age - 70)) * dep * s.propensity**0.5 / 4
    return np.where(s.ltc < MAX_LTC, rate, 0.0)


def recent(last_q: np.ndarray, quarter: int, within: int) -> np.ndarray:
    """Whether an event last happened in the `within` quarters before `quarter`."""
    return (quarter - last_q >= 1) & (quarter - last_q <= within)


def needs_care(s: State) -> np.ndarray:
    return (s.age >= 65) & (s.deficits >= NEED_DEFICITS) & ~s.care_home


def care_gap(s: State) -> np.ndarray:
    """Needs social care at home and has no package."""
    return needs_care(s) & ~s.package


def time_factor(quarter: int, first_month: int) -> float:
    """Seasonality (winter pressure) and a secular trend for `quarter`, whose first month
    is `first_month`."""
    return SEASON[(first_month - 1) // 3] * (1.0 + TREND) ** (quarter / 4)


def _linear(c: dict, s: State, quarter: int) -> np.ndarray:
    alone = s.lives_alone & (s.age >= 65)
    terms = {
        "deficit": s.deficits,
        "ltc": s.ltc,
        "fall": recent(s.fall_q, quarter, 4),
        "alone": alone,
        "gap": care_gap(s),
        "carer_breakdown": recent(s.carer_broke_q, quarter, 2),
        "deprivation": deprivation(s.imd),
        "care_home": s.care_home,
    }
    out = np.full(len(s.age), c["base"], dtype=np.float64)
    for name, value in terms.items():
        if name in c:
            out += c[name] * value
    return out


def emergency_rate(s: State, quarter: int, tf: float = 1.0) -> np.ndarray:
    """Expected "other" emergency admissions this quarter."""
    lin = _linear(EMERGENCY, s, quarter) + EMERGENCY["age"] * np.maximum(s.age - 50, 0)
    return np.where(s.alive, np.exp(lin) / 4 * tf, 0.0)


def acsc_rate(s: State, quarter: int, tf: float = 1.0) -> np.ndarray:
    lin = _linear(ACSC, s, quarter) + ACSC["age"] * np.maximum(s.age - 50, 0)
    return np.where(s.alive & (s.ltc > 0), np.exp(lin) / 4 * tf, 0.0)


def falls_rate(s: State, quarter: int, tf: float = 1.0) -> np.ndarray:
    lin = _linear(FALLS, s, quarter) + FALLS["age"] * (s.age - 65)
    return np.where(s.alive & (s.age >= 50), np.exp(lin) / 4 * tf, 0.0)


def ae_rate(s: State, quarter: int, tf: float = 1.0) -> np.ndarray:
    lin = _linear(AE, s, quarter) + AE["age"] * (s.age - 40)
    return np.where(s.alive, np.exp(lin) / 4 * tf, 0.0)


def care_home_probability(s: State, quarter: int) -> np.ndarray:
    lin = _linear(CARE_HOME, s, quarter)
    p = 1.0 - np.exp(-np.exp(lin))
    return np.where(s.alive & ~s.care_home & (s.age >= 65), p, 0.0)


def death_probability(s: State) -> np.ndarray:
    lin = DEATH["base"] + DEATH["age"] * s.age + DEATH["deficit"] * s.deficits
    lin = lin + DEATH["care_home"] * s.care_home
    return np.where(s.alive, 1.0 - np.exp(-np.exp(lin) / 4), 0.0)


def carer_breakdown_probability(s: State) -> np.ndarray:
    return np.where(s.alive & s.carer, CARER_BREAKDOWN * (1 + s.deficits / 10), 0.0)


def length_of_stay_mean(age: np.ndarray, deficits: np.ndarray, falls: np.ndarray) -> np.ndarray:
    """Mean days in hospital for an emergency spell (at least one)."""
    return 2.0 + 0.45 * deficits + 0.08 * np.maximum(age - 65, 0) + 4.0 * falls


def discharge_probabilities(
    age: np.ndarray,
    deficits: np.ndarray,
    alone: np.ndarray,
    carer_broke: np.ndarray,
    gap: np.ndarray,
    in_care_home: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(died, care home, reablement) probabilities at discharge; the rest go home (their
    usual place of residence, a care home for its residents)."""
    died = np.clip(0.01 + 0.004 * deficits + 0.0015 * np.maximum(age - 70, 0), 0, 0.4)
    older = (age >= 65) & ~in_care_home
    home = 0.004 * np.maximum(deficits - 6, 0) + 0.04 * alone + 0.08 * carer_broke + 0.05 * gap
    care_home = np.where(older, np.clip(home, 0, 0.5), 0.0)
    reablement = np.where(older, np.clip(0.08 + 0.012 * deficits, 0, 0.4), 0.0)
    return died, care_home, reablement


def reablement_home_probability(
    age: np.ndarray, deficits: np.ndarray, carer: np.ndarray
) -> np.ndarray:
    """Still at home 91 days after discharge into reablement."""
    p = 0.93 - 0.014 * deficits - 0.004 * np.maximum(age - 75, 0) + 0.04 * carer
    return np.clip(p, 0.3, 0.98)
