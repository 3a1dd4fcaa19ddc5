"""Who pays, week by week, under three policies: the current rules, the 2021 cap reform
(cancelled July 2024) and the 2017 £100,000 floor.

The person pays their assessed contribution from the income they do not keep (MIG at home,
PEA in a care home) first, then from savings, then from the value of the home (sold, or
deferred under a deferred payment agreement). `capital` each week is what the person still
owns: savings plus the home's value less what has been taken from it. Interest on deferred
amounts is left out of the projection (see `deferred.py` for an agreement with interest)."""

from dataclasses import dataclass

from onestory.budgets.domain.means_test import (
    CARE_ACT_2014,
    CARE_HOME,
    HOME,
    REFORM_2021,
    Circumstances,
    Finances,
    allowance,
    assess,
)
from onestory.budgets.domain.rates import DEFAULT_YEAR, PENSION_CREDIT_AGE

CURRENT = "current"
CAP2021 = "cap2021"
FLOOR2017 = "floor2017"
SCENARIOS = (CURRENT, CAP2021, FLOOR2017)
SCENARIO_LABELS = {
    CURRENT: "Current rules (Care Act 2014)",
    CAP2021: "2021 reform: £86,000 cap",
    FLOOR2017: "2017 proposal: £100,000 floor",
}

# 2021 reform: lifetime cap on what the person pays toward personal care; daily living
# costs in a care home (£200 a week, 2021/22 prices) never count toward it.
CARE_CAP_2021 = 86_000_00
DAILY_LIVING_COSTS_2021 = 200_00
# 2017 proposal: one floor, the home included, for care at home and in a care home.
FLOOR_2017 = 100_000_00


@dataclass(frozen=True)
class Situation:
    """One person's money and care, in pence (capital, property) and pence a week."""

    capital: int
    property: int
    weekly_income: int
    weekly_cost: int
    setting: str
    age: int = PENSION_CREDIT_AGE
    partner_in_home: bool = False
    disability_related_expenditure: int = 0
    year: int = DEFAULT_YEAR

    def __post_init__(self) -> None:
        if self.setting not in (HOME, CARE_HOME):
            raise ValueError("setting must be home or care_home")
        if min(self.capital, self.property, self.weekly_income, self.weekly_cost) < 0:
            raise ValueError("money cannot be negative")


@dataclass(frozen=True)
class WeekResult:
    week: int
    person: int
    council: int
    capital: int
    metered: int = 0
    deferred: int = 0


@dataclass(frozen=True)
class Projection:
    scenario: str
    weeks: tuple[WeekResult, ...]
    person_total: int
    council_total: int
    capital_left: int
    limit_reached_week: int | None
    cap_reached_week: int | None
    metered_total: int
    deferred_total: int


def project(situation: Situation, scenario: str, weeks: int) -> Projection:
    """The week-by-week projection of `situation` under `scenario` for `weeks` weeks.

    `limit_reached_week` is the first week from which the person's assessable capital stays
    at or below the upper capital limit (the floor, for floor2017) — from then the council
    helps; None if that never happens. `cap_reached_week` is the week the person's metered
    spending on personal care reaches the £86,000 cap (cap2021 only)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    s = situation
    savings, taken_from_home, metered = s.capital, 0, 0
    cap_week: int | None = None
    last_above: int | None = 0
    rows: list[WeekResult] = []
    circumstances = Circumstances(setting=s.setting, age=s.age, partner_in_home=s.partner_in_home)
    keep, _ = allowance(circumstances, s.year)
    dre = s.disability_related_expenditure if s.setting == HOME else 0
    income_surplus = max(0, s.weekly_income - keep - dre)
    for week in range(1, weeks + 1):
        home_left = s.property - taken_from_home
        if scenario == FLOOR2017:
            home_counts = not s.partner_in_home
            assessable = savings + (home_left if home_counts else 0)
            above = assessable > FLOOR_2017
            from_income = min(s.weekly_cost, income_surplus)
            owed = from_income
            if above:
                owed += min(s.weekly_cost - from_income, assessable - FLOOR_2017)
        else:
            limits = REFORM_2021 if scenario == CAP2021 else CARE_ACT_2014
            week_circumstances = Circumstances(
                setting=s.setting,
                age=s.age,
                partner_in_home=s.partner_in_home,
                care_home_week=week if s.setting == CARE_HOME else None,
            )
            assessment = assess(
                Finances(savings, home_left, s.weekly_income, dre),
                week_circumstances,
                s.weekly_cost,
                limits=limits,
                year=s.year,
            )
            home_counts = assessment.property_counted
            above = assessment.above_upper_limit
            owed = assessment.person_weekly
            if scenario == CAP2021:
                living = _daily_living(s)
                living_part = min(owed, living)
                owed = living_part + min(owed - living_part, CARE_CAP_2021 - metered)
        # Pay: spare income first, then savings, then the home (sale or deferral).
        paid = min(owed, income_surplus)
        from_savings = min(owed - paid, savings)
        savings -= from_savings
        paid += from_savings
        if home_counts:
            from_home = min(owed - paid, home_left)
            taken_from_home += from_home
            paid += from_home
        if scenario == CAP2021:
            metered += paid - min(paid, _daily_living(s))
            if cap_week is None and metered >= CARE_CAP_2021:
                cap_week = week
        if above:
            last_above = week
        rows.append(
            WeekResult(
                week=week,
                person=paid,
                council=s.weekly_cost - paid,
                capital=savings + s.property - taken_from_home,
                metered=metered,
                deferred=taken_from_home,
            )
        )
    limit_week = None if last_above == weeks else (last_above or 0) + 1
    return Projection(
        scenario=scenario,
        weeks=tuple(rows),
        person_total=sum(r.person for r in rows),
        council_total=sum(r.council for r in rows),
        capital_left=rows[-1].capital,
        limit_reached_week=limit_week,
        cap_reached_week=cap_week,
        metered_total=metered,
        deferred_total=taken_from_home,
    )


def project_all(situation: Situation, weeks: int) -> dict[str, Projection]:
    """The three scenarios side by side."""
    return {name: project(situation, name, weeks) for name in SCENARIOS}


def _daily_living(situation: Situation) -> int:
    """Daily living costs excluded from the cap: care homes only, never above the cost."""
    if situation.setting != CARE_HOME:
        return 0
    return min(DAILY_LIVING_COSTS_2021, situation.weekly_cost)
