"""Changes to the national view's data: published indicators loaded, integration models
recorded. One audited action each."""

from django.db import IntegrityError, transaction

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.national.domain.published import QUARTER, Indicator
from onestory.national.models import IntegrationModel, PublishedIndicator


@transaction.atomic
def load_published(indicators: list[Indicator], *, source: str, by: Actor) -> dict[str, int]:
    """Store published indicators by place, quarter and indicator: a second load of the same
    file changes nothing; a corrected figure replaces the one before. Audited as
    `national.indicators_loaded` with counts when anything changed."""
    require(by, Permission.VIEW_NATIONAL)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {
        (r.partnership, r.locality, r.quarter, r.indicator): r
        for r in PublishedIndicator.objects.filter(
            partnership__in={i.partnership for i in indicators}
        )
    }
    for i in indicators:
        key = (i.partnership, i.locality, i.quarter, i.indicator)
        row = existing.get(key)
        if row is None:
            PublishedIndicator.objects.create(
                partnership=i.partnership,
                locality=i.locality,
                quarter=i.quarter,
                indicator=i.indicator,
                numerator=i.numerator,
                denominator=i.denominator,
                source=source[:200],
            )
            counts["created"] += 1
        elif (row.numerator, row.denominator) != (i.numerator, i.denominator):
            row.numerator, row.denominator, row.source = i.numerator, i.denominator, source[:200]
            row.save(update_fields=["numerator", "denominator", "source", "loaded_at"])
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if counts["created"] or counts["updated"]:
        record_event(
            by=by,
            action="national.indicators_loaded",
            detail={
                "source": source[:200],
                "partnerships": len({i.partnership for i in indicators}),
                **counts,
            },
        )
    return counts


def record_model(
    *,
    partnership: str,
    from_quarter: str,
    budget: str,
    mdt: str,
    shared_records: bool,
    lead_commissioner: str = "",
    host: str = "",
    section75_scope: str = "",
    by: Actor,
) -> IntegrationModel:
    """A partnership's integration model from a quarter on, as a new version (never an
    edit). ValueError with the field's name in words when a value is not right."""
    require(by, Permission.VIEW_NATIONAL)
    partnership = partnership.strip()
    if not partnership or len(partnership) > 20:
        raise ValueError("partnership: give the partnership's code (up to 20 characters).")
    if not QUARTER.match(from_quarter.strip()):
        raise ValueError("from_quarter: give a quarter like 2025Q3.")
    if budget not in IntegrationModel.Budget.values:
        raise ValueError("budget: choose pooled or aligned.")
    if mdt not in IntegrationModel.Mdt.values:
        raise ValueError("mdt: choose the MDT model.")
    try:
        with transaction.atomic():
            model = IntegrationModel.objects.create(
                partnership=partnership,
                from_quarter=from_quarter.strip(),
                budget=budget,
                mdt=mdt,
                shared_records=shared_records,
                lead_commissioner=lead_commissioner.strip()[:200],
                host=host.strip()[:200],
                section75_scope=section75_scope.strip()[:300],
                recorded_by=by.label[:150],
            )
            record_event(
                by=by,
                action="national.model_recorded",
                detail={
                    "partnership": partnership,
                    "from_quarter": model.from_quarter,
                    "budget": budget,
                    "mdt": mdt,
                    "shared_records": shared_records,
                },
            )
    except IntegrityError:
        raise ValueError(
            f"from_quarter: {partnership} already has a model from {from_quarter}; "
            "record the change from the quarter it happened."
        ) from None
    return model
