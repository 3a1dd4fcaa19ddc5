"""The Better Care Fund plan's pure rules: the planning template's categories, quarters,
variance alerts, the pool's totals and the risk share. Money is integer pence throughout.

Variance alert: a scheme whose actual spend for the year to date is more than 10% away from
its plan for the year to date, over or under (`VARIANCE_THRESHOLD_PCT`). Year to date is
quarters 1 to the quarter reported; a quarter with no actual recorded counts as nothing
spent. A scheme planned at nothing to date alerts as soon as anything is spent on it.

The pool: the schemes' planned spend for a year must not exceed the contributions for that
year (a warning says by how much it does).

Risk share: the section 75 agreement says which share of an overspend, and which share of
an underspend, falls to the council; the NHS partner takes the rest. Shares are whole
percentages and the split of an amount always adds back up to it exactly (the council's
share is rounded half up to the penny, the NHS partner's is the remainder)."""

from dataclasses import dataclass
from fractions import Fraction

QUARTERS = (1, 2, 3, 4)
QUARTER_LABELS = {
    1: "Q1 (April to June)",
    2: "Q2 (July to September)",
    3: "Q3 (October to December)",
    4: "Q4 (January to March)",
}
VARIANCE_THRESHOLD_PCT = 10

# The BCF planning template's scheme types (2023-25), in its order.
SCHEME_TYPES = {
    "assistive_technologies": "Assistive technologies and equipment",
    "care_act_implementation": "Care Act implementation related duties",
    "carers_services": "Carers' services",
    "community_based_schemes": "Community based schemes",
    "dfg_related": "DFG related schemes",
    "enablers_for_integration": "Enablers for integration",
    "high_impact_change_model": "High impact change model for managing transfer of care",
    "home_care": "Home care or domiciliary care",
    "housing_related": "Housing related schemes",
    "integrated_care_planning": "Integrated care planning and navigation",
    "bed_based_intermediate_care": "Bed-based intermediate care services",
    "home_based_intermediate_care": "Home-based intermediate care services",
    "personalised_budgeting": "Personalised budgeting and commissioning",
    "personalised_care_at_home": "Personalised care at home",
    "prevention_early_intervention": "Prevention / early intervention",
    "residential_placements": "Residential placements",
    "workforce_recruitment": "Workforce recruitment and retention",
    "other": "Other",
}
# The template's "area of spend": the spend category.
SPEND_AREAS = {
    "social_care": "Social care",
    "community_health": "Community health",
    "acute": "Acute",
    "mental_health": "Mental health",
    "primary_care": "Primary care",
    "continuing_care": "Continuing care",
    "other": "Other",
}
COMMISSIONERS = {
    "local_authority": "Local authority",
    "nhs": "NHS",
    "joint": "Joint",
}
PROVIDER_TYPES = {
    "local_authority": "Local authority",
    "nhs_community": "NHS community provider",
    "nhs_acute": "NHS acute provider",
    "nhs_mental_health": "NHS mental health provider",
    "private_sector": "Private sector",
    "charity_voluntary": "Charity or voluntary sector",
    "other": "Other",
}
# Where the pool's money comes from ("source of funding" in the template).
SOURCES = {
    "nhs_minimum": "NHS minimum contribution",
    "council": "Local authority contribution",
    "dfg": "Disabled Facilities Grant",
    "other": "Other (iBCF and other grants)",
}
PARTNERS = {"council": "The council", "nhs": "The NHS partner (ICB or trust)"}
ARRANGEMENTS = {
    "pooled": "Pooled: one fund, managed by the host partner",
    "aligned": "Aligned: each partner keeps its own budget, managed together",
}
STATUSES = {"draft": "Draft", "agreed": "Agreed", "ended": "Ended"}


def pounds(pence: int) -> str:
    """£1,234.56 (and -£5.00)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


@dataclass(frozen=True)
class Variance:
    planned: int  # pence, year to date
    actual: int
    difference: int  # actual - planned
    percent: Fraction | None  # of the plan; None when nothing was planned
    alert: bool

    @property
    def direction(self) -> str:
        if self.difference > 0:
            return "over"
        if self.difference < 0:
            return "under"
        return "on plan"


def to_date(by_quarter: dict[int, int | None], quarter: int) -> int:
    """The sum of quarters 1..quarter (a quarter not recorded counts as nothing)."""
    if quarter not in QUARTERS:
        raise ValueError(f"quarter must be 1 to 4, not {quarter}")
    return sum(by_quarter.get(q) or 0 for q in QUARTERS if q <= quarter)


def variance(planned_to_date: int, actual_to_date: int) -> Variance:
    """Actual against plan for the year to date, and whether it alerts (more than
    VARIANCE_THRESHOLD_PCT away from plan, either way; exactly 10% does not alert)."""
    difference = actual_to_date - planned_to_date
    if planned_to_date == 0:
        return Variance(planned_to_date, actual_to_date, difference, None, actual_to_date != 0)
    percent = Fraction(difference * 100, planned_to_date)
    return Variance(
        planned_to_date, actual_to_date, difference, percent, abs(percent) > VARIANCE_THRESHOLD_PCT
    )


@dataclass(frozen=True)
class PoolCheck:
    contributions: int  # pence
    planned: int
    headroom: int  # contributions - planned; negative when over

    @property
    def over(self) -> bool:
        return self.planned > self.contributions

    @property
    def warning(self) -> str:
        if not self.over:
            return ""
        return (
            f"The schemes plan to spend {pounds(self.planned)}, "
            f"{pounds(-self.headroom)} more than the pool's {pounds(self.contributions)}."
        )


def pool_check(contributions: list[int], planned: list[int]) -> PoolCheck:
    """The year's contributions against the schemes' planned spend."""
    total_in, total_out = sum(contributions), sum(planned)
    return PoolCheck(total_in, total_out, total_in - total_out)


def _check_pct(pct: int) -> None:
    if not 0 <= pct <= 100:
        raise ValueError(f"a share is a percentage from 0 to 100, not {pct}")


def split(amount: int, council_pct: int) -> tuple[int, int]:
    """(council, NHS partner) shares of `amount` pence: the council's rounded half away
    from zero to the penny, the NHS partner's the rest, so they always add up to amount."""
    _check_pct(council_pct)
    exact = Fraction(abs(amount) * council_pct, 100)
    council = int(exact + Fraction(1, 2))  # half up on the magnitude
    council = council if amount >= 0 else -council
    return council, amount - council


@dataclass(frozen=True)
class RiskShare:
    overspend: int  # pence over plan for the year (0 when on or under)
    underspend: int
    council: int  # the council's share of whichever there is (negative for an underspend)
    nhs: int


def risk_share(
    planned: int, actual: int, *, overspend_council_pct: int, underspend_council_pct: int
) -> RiskShare:
    """Who bears an overspend, or keeps an underspend, of the pool under the agreement."""
    _check_pct(overspend_council_pct)
    _check_pct(underspend_council_pct)
    difference = actual - planned
    if difference > 0:
        council, nhs = split(difference, overspend_council_pct)
        return RiskShare(difference, 0, council, nhs)
    if difference < 0:
        council, nhs = split(difference, underspend_council_pct)
        return RiskShare(0, -difference, council, nhs)
    return RiskShare(0, 0, 0, 0)


def years_between(first: int, last: int) -> list[int]:
    """The financial years an agreement covers, by their first calendar year."""
    if last < first:
        raise ValueError("the last year cannot be before the first")
    return list(range(first, last + 1))


def year_label(first: int) -> str:
    return f"{first}-{(first + 1) % 100:02d}"
