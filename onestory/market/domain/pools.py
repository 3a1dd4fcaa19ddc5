"""People commissioning together: several people put part of their personal budgets into a
pool that buys one shared service (a micro-enterprise, a group activity).

Each member pays a share per period (a week or a calendar month), counted in periods that
start on the pool's own start date: the share is due for every period that begins on or
after the member joins and before they leave. Integer pence throughout.

Consent: a member's share moves only with their consent, recorded as given by the person,
by their representative, or by their care coordinator on their behalf with the person's
stated agreement (which must say how and when the person agreed)."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = "week"
MONTH = "month"
PERIODS = {WEEK: "a week", MONTH: "a month"}

BY_PERSON = "person"
BY_REPRESENTATIVE = "representative"
ON_BEHALF = "on_behalf"
CONSENT_BY = {
    BY_PERSON: "The person",
    BY_REPRESENTATIVE: "Their representative",
    ON_BEHALF: "Their care coordinator, on their behalf, with their stated agreement",
}


def _add_months(day: date, months: int, anchor_day: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def period_start(anchor: date, unit: str, n: int) -> date:
    """The start of the pool's n-th period (0 is the anchor itself)."""
    if unit == WEEK:
        return anchor + timedelta(weeks=n)
    if unit == MONTH:
        return _add_months(anchor, n, anchor.day)
    raise ValueError(f"unknown period {unit!r}")


def periods_due(anchor: date, unit: str, start: date, end: date | None, until: date) -> list[date]:
    """Starts of the pool's periods in which a member who joined on `start` and leaves on
    `end` (None: still a member) pays a share, up to (not including) `until`."""
    stop = min(end, until) if end is not None else until
    out: list[date] = []
    n = 0
    while True:
        day = period_start(anchor, unit, n)
        if day >= stop:
            return out
        if day >= start:
            out.append(day)
        n += 1


def committed(
    share_pence: int, anchor: date, unit: str, start: date, end: date | None, until: date
) -> int:
    """What a member's share commits from their budget between joining and `until` (their
    budget period's end)."""
    if share_pence < 0:
        raise ValueError("a share cannot be negative")
    return share_pence * len(periods_due(anchor, unit, start, end, until))


def equal_shares(cost_pence: int, members: int) -> list[int]:
    """The cost split evenly; the odd pence go to the first members, so it adds up exactly."""
    if members <= 0 or cost_pence < 0:
        raise ValueError("a split needs members and a cost that is not negative")
    base, extra = divmod(cost_pence, members)
    return [base + (1 if i < extra else 0) for i in range(members)]


@dataclass(frozen=True)
class PoolBalance:
    cost: int  # what the service costs per period
    pooled: int  # the members' shares per period
    shortfall: int  # cost not yet covered
    surplus: int  # shares above the cost

    @property
    def covered(self) -> bool:
        return self.shortfall == 0


def balance(cost_pence: int, shares: Sequence[int]) -> PoolBalance:
    """Whether the members' shares (consented, current) cover the service's cost."""
    if cost_pence < 0 or any(s < 0 for s in shares):
        raise ValueError("amounts cannot be negative")
    pooled = sum(shares)
    return PoolBalance(cost_pence, pooled, max(0, cost_pence - pooled), max(0, pooled - cost_pence))


def share_percent(share_pence: int, pooled_pence: int) -> int:
    """A member's share of what is pooled, in whole percent (rounded half up)."""
    if pooled_pence <= 0:
        return 0
    return (share_pence * 200 + pooled_pence) // (2 * pooled_pence)


def per_year(share_pence: int, unit: str) -> int:
    """A share per period as a year's worth: 52 weeks or 12 months."""
    return share_pence * (52 if unit == WEEK else 12)


def consent_problem(given_by: str, agreement: str, actor_role: str) -> str:
    """Why this consent cannot be recorded ("" when it can). A person or representative
    signed in records only their own kind of consent; staff record any kind, and consent on
    the person's behalf needs their stated agreement written down."""
    if given_by not in CONSENT_BY:
        return "Say who gave consent: the person, their representative, or you on their behalf."
    if actor_role in (BY_PERSON, BY_REPRESENTATIVE) and given_by != actor_role:
        return "You can record only your own consent."
    if given_by == ON_BEHALF and len(agreement.strip()) < 10:
        return (
            "Consent on the person's behalf needs their stated agreement: write how and when "
            "they said they agree."
        )
    if given_by == BY_REPRESENTATIVE and not agreement.strip():
        return "Name the representative who gave consent."
    return ""
