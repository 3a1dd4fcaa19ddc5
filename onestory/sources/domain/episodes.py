"""When an episode — a referral, a service, a placement, a tenancy — is still open.

One rule for the whole platform: the access decision (an open episode is a legitimate
relationship) and the record summary (current services) must never disagree about it."""

from datetime import date

# Statuses that mean an episode is over even when the source left the end date blank.
CLOSED_STATUSES = frozenset(
    {
        "closed",
        "completed",
        "complete",
        "resolved",
        "finished",
        "ended",
        "cancelled",
        "discharged",
        "inactive",
        "entered-in-error",
        "declined",
        "rejected",
    }
)


def is_open(end: date | None, status: str, today: date) -> bool:
    """Open while it has no end date (or one still to come) and its status does not say
    it is over."""
    if (status or "").strip().lower() in CLOSED_STATUSES:
        return False
    return end is None or end > today
