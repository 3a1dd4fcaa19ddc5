"""The Care Act 2014 financial assessment ("means test") for one week, as a pure rule.

Inputs and outputs are integer pence a week (capital in pence). The result carries every
step in words, so a page can show the person how their contribution was reached."""

from dataclasses import dataclass, field

from onestory.budgets.domain.money import ceil_div, clamp, format_pounds
from onestory.budgets.domain.rates import (
    DEFAULT_YEAR,
    PENSION_CREDIT_AGE,
    minimum_income_guarantee,
    personal_expenses_allowance,
)

HOME = "home"
CARE_HOME = "care_home"
SETTINGS = (HOME, CARE_HOME)

# For a new permanent care-home resident the home is ignored for the first 12 weeks.
PROPERTY_DISREGARD_WEEKS = 12

# Tariff income: £1 a week for every £250, or part of £250, between the limits.
TARIFF_STEP = 250_00
TARIFF_PER_STEP = 1_00


@dataclass(frozen=True)
class CapitalLimits:
    lower: int
    upper: int
    name: str = ""


CARE_ACT_2014 = CapitalLimits(lower=14_250_00, upper=23_250_00, name="Care Act 2014")
REFORM_2021 = CapitalLimits(lower=20_000_00, upper=100_000_00, name="2021 reform")


@dataclass(frozen=True)
class Circumstances:
    """Who the person is and where they receive care. `care_home_week` is the week of a
    new permanent care-home stay (1 = the first week), for the 12-week property
    disregard; None when that disregard no longer applies."""

    setting: str
    age: int = PENSION_CREDIT_AGE
    partner_in_home: bool = False
    care_home_week: int | None = None
    enhanced_disability_premium: bool = False
    carer: bool = False
    children: int = 0

    def __post_init__(self) -> None:
        if self.setting not in SETTINGS:
            raise ValueError(f"setting must be one of {', '.join(SETTINGS)}")


@dataclass(frozen=True)
class Finances:
    """Savings and other capital, the value of the main home, weekly income, and weekly
    disability-related expenditure (care at home only), all in pence."""

    capital: int
    property: int = 0
    weekly_income: int = 0
    disability_related_expenditure: int = 0

    def __post_init__(self) -> None:
        if min(self.capital, self.property, self.weekly_income) < 0:
            raise ValueError("capital, property and income cannot be negative")
        if self.disability_related_expenditure < 0:
            raise ValueError("disability-related expenditure cannot be negative")


@dataclass(frozen=True)
class Assessment:
    assessable_capital: int
    property_counted: bool
    tariff_income: int
    assessable_income: int
    allowance: int
    allowance_name: str
    above_upper_limit: bool
    weekly_cost: int
    person_weekly: int
    council_weekly: int
    steps: tuple[str, ...] = field(default=())


def property_counted(circumstances: Circumstances) -> tuple[bool, str]:
    """Whether the main home counts as capital, and why."""
    if circumstances.setting == HOME:
        return False, "The home is disregarded: care is at home."
    if circumstances.partner_in_home:
        return False, "The home is disregarded: a partner or qualifying relative lives there."
    week = circumstances.care_home_week
    if week is not None and week <= PROPERTY_DISREGARD_WEEKS:
        return False, f"The home is disregarded: week {week} of the 12-week property disregard."
    return True, "The home counts as capital: the person lives in a care home."


def tariff_income(capital: int, limits: CapitalLimits = CARE_ACT_2014) -> int:
    """£1 a week for every £250 or part of £250 of capital above the lower limit, up to the
    upper limit (above it the person pays the full cost anyway)."""
    if capital <= limits.lower:
        return 0
    return ceil_div(min(capital, limits.upper) - limits.lower, TARIFF_STEP) * TARIFF_PER_STEP


def allowance(circumstances: Circumstances, year: int) -> tuple[int, str]:
    """What the person keeps of their income: the personal expenses allowance in a care
    home, the minimum income guarantee at home."""
    if circumstances.setting == CARE_HOME:
        return personal_expenses_allowance(year), "personal expenses allowance"
    mig = minimum_income_guarantee(
        circumstances.age,
        year=year,
        enhanced_disability_premium=circumstances.enhanced_disability_premium,
        carer=circumstances.carer,
        children=circumstances.children,
    )
    return mig, "minimum income guarantee"


def assess(
    finances: Finances,
    circumstances: Circumstances,
    weekly_cost: int,
    *,
    limits: CapitalLimits = CARE_ACT_2014,
    year: int = DEFAULT_YEAR,
) -> Assessment:
    """The person's and the council's weekly share of `weekly_cost` (pence).

    Above the upper capital limit the person pays the full cost. Otherwise they pay their
    income plus tariff income, less what they keep (MIG at home, PEA in a care home) and,
    at home, their disability-related expenditure; never below nothing nor above the cost.
    """
    if weekly_cost < 0:
        raise ValueError("the weekly cost cannot be negative")
    counted, why_property = property_counted(circumstances)
    capital = finances.capital + (finances.property if counted else 0)
    steps = [why_property, f"Capital assessed: {format_pounds(capital)}."]
    keep, keep_name = allowance(circumstances, year)
    dre = finances.disability_related_expenditure if circumstances.setting == HOME else 0
    if capital > limits.upper:
        steps.append(
            f"Above the upper limit of {format_pounds(limits.upper)}: "
            f"the person pays the full cost."
        )
        return Assessment(
            assessable_capital=capital,
            property_counted=counted,
            tariff_income=0,
            assessable_income=finances.weekly_income,
            allowance=keep,
            allowance_name=keep_name,
            above_upper_limit=True,
            weekly_cost=weekly_cost,
            person_weekly=weekly_cost,
            council_weekly=0,
            steps=tuple(steps),
        )
    tariff = tariff_income(capital, limits)
    steps.append(
        f"Tariff income {format_pounds(tariff)} a week (£1 for every £250 or part above "
        f"{format_pounds(limits.lower)})."
    )
    income = finances.weekly_income + tariff
    steps.append(f"Income assessed: {format_pounds(income)} a week.")
    steps.append(f"Less {keep_name}: {format_pounds(keep)}.")
    if dre:
        steps.append(f"Less disability-related expenditure: {format_pounds(dre)}.")
    person = clamp(income - keep - dre, 0, weekly_cost)
    steps.append(
        f"The person pays {format_pounds(person)} of {format_pounds(weekly_cost)}; "
        f"the council pays {format_pounds(weekly_cost - person)}."
    )
    return Assessment(
        assessable_capital=capital,
        property_counted=counted,
        tariff_income=tariff,
        assessable_income=income,
        allowance=keep,
        allowance_name=keep_name,
        above_upper_limit=False,
        weekly_cost=weekly_cost,
        person_weekly=person,
        council_weekly=weekly_cost - person,
        steps=tuple(steps),
    )
