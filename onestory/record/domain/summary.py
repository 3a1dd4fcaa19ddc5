"""Pure rules behind a person's record summary: which demographics to prefer, what counts
as a current service, how addresses compare, and how relationships read from the other side.

No Django here: the query layer hands in plain values."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from onestory.sources.domain.episodes import is_open

GP_KIND = "gp"


# Event kinds that describe something ongoing while they have no end date, and the group
# each is shown under on the record summary.
ONGOING_KINDS: dict[str, str] = {
    "service": "Care and support service",
    "placement": "Placement",
    "tenancy": "Tenancy",
    "homelessness": "Housing duty",
    "referral": "Open referral",
    "admission": "In hospital",
    "child_in_need": "Children's services plan",
    "child_protection_plan": "Children's services plan",
    "ehcp": "Children's services plan",
}
# Services delivered where the person lives are placements, whatever the source calls them.
_PLACEMENT_WORDS = ("residential", "nursing", "shared lives")


def preference_key(system_kind: str, updated_at: datetime) -> tuple[int, float]:
    """Sort key (ascending = preferred) for choosing whose demographics to show: the GP
    record first, then the most recently updated."""
    return (0 if system_kind == GP_KIND else 1, -updated_at.timestamp())


def age_on(date_of_birth: date | None, today: date) -> int | None:
    """Age in completed years, or None when the date of birth is unknown."""
    if date_of_birth is None:
        return None
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def current_service_group(
    kind: str, end: date | None, status: str, details: dict[str, Any], today: date
) -> str | None:
    """The summary group an event belongs to while it is current, or None."""
    group = ONGOING_KINDS.get(kind)
    if group is None or not is_open(end, status, today):
        return None
    # A referral is open only when the source says so (trusts: "open") or says nothing;
    # the voluntary sector records an outcome ("accepted", "declined") and no end date.
    if kind == "referral" and (status or "").strip().lower() not in ("", "open"):
        return None
    if kind == "service":
        described = " ".join(
            str(details.get(k, "")) for k in ("service_type", "service_component")
        ).lower()
        if any(word in described for word in _PLACEMENT_WORDS):
            return ONGOING_KINDS["placement"]
    return group


def weekly_hours(details: dict[str, Any]) -> Decimal | None:
    """Planned hours a week, as the source recorded them, or None."""
    return _decimal(details.get("planned_hours_per_week"))


def weekly_cost_pence(details: dict[str, Any]) -> int | None:
    """Weekly cost in integer pence (the importer converts the source's pounds)."""
    value = details.get("weekly_cost_pence")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


_INVERSE = {
    "carer": "cared_for",
    "cared_for": "carer",
    "parent": "child",
    "child": "parent",
    "partner": "partner",
    "household_member": "household_member",
    "sibling": "sibling",
    "next_of_kin": "next_of_kin_of",
    "emergency_contact": "emergency_contact_of",
}


def inverse_relationship(relationship: str) -> str:
    """How a relationship reads from the other person's side ("carer" → "cared_for")."""
    return _INVERSE.get(relationship, f"{relationship}_of")


@dataclass(frozen=True)
class Money:
    """Integer pence with a display form in pounds."""

    pence: int

    def __str__(self) -> str:
        pounds, pence = divmod(self.pence, 100)
        return f"£{pounds:,}.{pence:02d}"
