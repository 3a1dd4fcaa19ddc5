"""Who reviews break-glass access and care-team join requests, and when a review is overdue.
Pure rules, no Django.

Every item must land in a queue someone can work: the privacy lead(s) of the organisation
whose member of staff acted, or, when that organisation has no privacy lead, every privacy
lead in the partnership. An item left unreviewed for REVIEW_OVERDUE_HOURS is overdue: it is
shown first, flagged, to every privacy lead, and `onestory access escalate` lists it."""

from collections.abc import Collection
from datetime import datetime, timedelta

REVIEW_OVERDUE_HOURS = 72
REVIEW_OVERDUE = timedelta(hours=REVIEW_OVERDUE_HOURS)


def is_overdue(started_at: datetime, reviewed: bool, now: datetime) -> bool:
    return not reviewed and now - started_at >= REVIEW_OVERDUE


def routed_to(item_organisation: str, organisations_with_lead: Collection[str]) -> str:
    """Whose queue an item lands in: "organisation" (its own privacy lead) or "partnership"
    (every privacy lead, since its organisation has none)."""
    return "organisation" if item_organisation in organisations_with_lead else "partnership"


def may_review(
    reviewer_organisation: str,
    item_organisation: str,
    organisations_with_lead: Collection[str],
    *,
    overdue: bool = False,
) -> bool:
    """A privacy lead may review an item of their own organisation, of an organisation with
    no privacy lead, or any overdue item (escalated to the partnership)."""
    if reviewer_organisation == item_organisation or overdue:
        return True
    return routed_to(item_organisation, organisations_with_lead) == "partnership"
