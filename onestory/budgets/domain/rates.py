"""Published rates by financial year (April to March), in pence a week.

A year missing from a table uses the latest earlier year listed: the rates stay in force
until a new circular changes them, so adding a year is adding one row."""

from dataclasses import dataclass
from datetime import date

# State pension (and pension credit) age in 2025/26; it decides the MIG band.
PENSION_CREDIT_AGE = 66


@dataclass(frozen=True)
class MigRates:
    """Minimum income guarantee for care at home (Care and Support (Charging and Assessment
    of Resources) Regulations 2014, as uprated by the year's local authority circular)."""

    single_below_pension_age: int
    single_below_pension_age_with_edp: int
    pension_credit_age: int
    carer_premium: int
    per_child: int


# 2023/24 published rates (LAC(DHSC)(2023)1): single, 18 to pension-credit age £153.95;
# the same with enhanced disability premium £177.00; pension-credit age or over £220.85;
# carer premium +£49.05; per dependent child +£94.90.
MIG_RATES: dict[int, MigRates] = {
    2023: MigRates(
        single_below_pension_age=153_95,
        single_below_pension_age_with_edp=177_00,
        pension_credit_age=220_85,
        carer_premium=49_05,
        per_child=94_90,
    ),
}

# Personal expenses allowance in a care home: £30.65 a week in 2025/26.
PEA_RATES: dict[int, int] = {2025: 30_65}

# The financial year projections use unless told otherwise.
DEFAULT_YEAR = 2025


def financial_year_of(day: date) -> int:
    """The financial year (named by the calendar year it starts in) a day falls in."""
    return day.year if day.month >= 4 else day.year - 1


def _in_force[T](table: dict[int, T], year: int, what: str) -> T:
    earlier = [y for y in table if y <= year]
    if not earlier:
        first = min(table)
        raise ValueError(f"no {what} rates for {year}/{(year + 1) % 100:02d}; first is {first}")
    return table[max(earlier)]


def mig_rates_for(year: int) -> MigRates:
    """The MIG rates in force in financial year `year` (e.g. 2023 for 2023/24)."""
    return _in_force(MIG_RATES, year, "minimum income guarantee")


def personal_expenses_allowance(year: int) -> int:
    """The personal expenses allowance in force in financial year `year`, pence a week."""
    return _in_force(PEA_RATES, year, "personal expenses allowance")


def minimum_income_guarantee(
    age: int,
    *,
    year: int,
    enhanced_disability_premium: bool = False,
    carer: bool = False,
    children: int = 0,
) -> int:
    """The weekly MIG for a single person of `age` (18 or over), pence. The enhanced
    disability premium applies below pension-credit age only (the pension-age rate already
    exceeds it)."""
    if age < 18:
        raise ValueError("the adult means test applies from age 18")
    if children < 0:
        raise ValueError("children cannot be negative")
    rates = mig_rates_for(year)
    if age >= PENSION_CREDIT_AGE:
        amount = rates.pension_credit_age
    elif enhanced_disability_premium:
        amount = rates.single_below_pension_age_with_edp
    else:
        amount = rates.single_below_pension_age
    if carer:
        amount += rates.carer_premium
    return amount + children * rates.per_child
