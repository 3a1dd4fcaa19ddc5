"""Contracts in the care market: the four ways a council or ICB buys care, what each needs
to be complete, and what may be varied for one person's plan without a new contract.

Contract kinds (as English commissioners use them):
- block: a fixed volume (hours, places) paid for whether used or not;
- spot: bought for one person at a time at an agreed unit price;
- framework: approved providers and prices; each placement is called off under it;
- cost and volume: a price for an agreed volume, then a unit price for use above it.

Flexibility is the list of aspects of a person's support that may be changed to fit their
plan under the contract as it stands. A change outside it needs a contract variation (or a
different service): the check says which aspects and why."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

BLOCK = "block"
SPOT = "spot"
FRAMEWORK = "framework"
COST_AND_VOLUME = "cost_and_volume"
KINDS: dict[str, str] = {
    BLOCK: "Block",
    SPOT: "Spot",
    FRAMEWORK: "Framework",
    COST_AND_VOLUME: "Cost and volume",
}

# What may be varied for a person's plan, in the order a page lists them.
ASPECTS: dict[str, str] = {
    "timing": "When the support is given (days and times)",
    "tasks": "What the support is for (the tasks, as the plan says)",
    "worker": "Who gives it (the person's choice of worker)",
    "hours": "How many hours a week",
    "place": "Where it is given (at home, out and about)",
    "banking": "Saving unused hours to use later",
    "pause": "Pausing it during a hospital stay without losing the place",
}

# What each kind usually allows: a starting point for a new contract, which the commissioner
# then edits.
DEFAULT_FLEXIBILITY: dict[str, frozenset[str]] = {
    BLOCK: frozenset({"timing", "tasks"}),
    SPOT: frozenset({"timing", "tasks", "hours", "pause"}),
    FRAMEWORK: frozenset({"timing", "tasks", "worker", "hours"}),
    COST_AND_VOLUME: frozenset({"timing", "tasks", "hours"}),
}


def default_flexibility(kind: str) -> frozenset[str]:
    if kind not in KINDS:
        raise ValueError(f"unknown contract kind {kind!r}")
    return DEFAULT_FLEXIBILITY[kind]


def flexibility_problems(kind: str, aspects: Iterable[str]) -> list[str]:
    """What is wrong with a contract's list of flexible aspects (empty when none)."""
    aspects = set(aspects)
    problems = [f"Unknown aspect {a!r}." for a in sorted(aspects - set(ASPECTS))]
    if kind == BLOCK and "hours" in aspects:
        problems.append(
            "A block contract buys a fixed volume: a person's hours cannot be varied under it."
        )
    if "banking" in aspects and "hours" not in aspects:
        problems.append("Saving unused hours needs the hours to be variable too.")
    return problems


def contract_problems(
    *,
    kind: str,
    start: date,
    end: date | None,
    value_pence: int | None,
    volume: int | None,
    unit_price_pence: int | None,
) -> list[str]:
    """What a contract needs before it can be recorded, in plain words (empty when fine)."""
    problems = []
    if kind not in KINDS:
        return [f"Choose the kind of contract ({', '.join(KINDS.values())})."]
    if end is not None and end <= start:
        problems.append("The contract must end after it starts.")
    for label, amount in (("value", value_pence), ("volume", volume)):
        if amount is not None and amount < 0:
            problems.append(f"The {label} cannot be negative.")
    if kind in (BLOCK, COST_AND_VOLUME):
        if not volume:
            problems.append(f"A {KINDS[kind].lower()} contract needs the volume it buys.")
        if not value_pence:
            problems.append(f"A {KINDS[kind].lower()} contract needs its value.")
    if kind in (SPOT, COST_AND_VOLUME) and not unit_price_pence:
        problems.append(
            f"A {KINDS[kind].lower()} contract is priced per unit: give the service a unit price."
        )
    return problems


@dataclass(frozen=True)
class VariationCheck:
    """Whether a plan's wished-for changes fit the contract as it stands."""

    fits: tuple[str, ...]
    needs_variation: tuple[tuple[str, str], ...]  # (aspect, why)

    @property
    def ok(self) -> bool:
        return not self.needs_variation


def check_variation(
    kind: str, flexible: Iterable[str], wanted: Iterable[str], *, active: bool = True
) -> VariationCheck:
    """Which of the aspects a person's plan wants changed the contract allows, and for the
    rest why a contract variation is needed."""
    flexible = set(flexible)
    fits: list[str] = []
    needs: list[tuple[str, str]] = []
    for aspect in (a for a in ASPECTS if a in set(wanted)):
        if not active:
            needs.append((aspect, "The contract is not in force on this date."))
        elif aspect in flexible:
            fits.append(aspect)
        elif kind == BLOCK and aspect == "hours":
            needs.append((aspect, "A block contract buys a fixed volume of hours."))
        else:
            needs.append((aspect, "The contract does not allow it: a variation is needed."))
    unknown = set(wanted) - set(ASPECTS)
    if unknown:
        raise ValueError(f"unknown aspect(s): {', '.join(sorted(unknown))}")
    return VariationCheck(tuple(fits), tuple(needs))


def in_force(start: date, end: date | None, on: date) -> bool:
    return start <= on and (end is None or on < end)


def annual_value(kind: str, value_pence: int | None, start: date, end: date | None) -> int | None:
    """The contract's value for a year: its value over its length in days × 365 (a contract
    with no end is valued as given: per year). None when it has no value (spot)."""
    if value_pence is None:
        return None
    if end is None:
        return value_pence
    days = (end - start).days
    return value_pence * 365 // days if days > 0 else None
