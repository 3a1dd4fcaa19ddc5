"""Changes to the national view's data: published indicators loaded, integration models
recorded. One audited action each."""

from collections.abc import Iterable

from django.db import transaction

from onestory.access.domain.roles import Permission
from onestory.access.policy import aggregate_partnership, has_permission, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.national.domain.models_in_time import (
    InitiativeSpell,
    Version,
    changes,
    check,
    in_force_before,
)
from onestory.national.domain.published import Indicator
from onestory.national.model_data import model_choices, versions_of
from onestory.national.models import IntegrationModel, ModelInitiative, PublishedIndicator
from onestory.places.models import Partnership


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


class ModelProblems(ValueError):
    """Everything wrong with a new version, by field; its text is the first ("field: …")."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__(f"{field}: {message}")


def record_model(
    *,
    partnership: str,
    from_quarter: str,
    budget: str,
    mdt: str,
    shared_records: bool = False,
    lead_commissioner: str = "",
    host: str = "",
    section75_scope: str = "",
    section75_schemes: Iterable[str] = (),
    section75_sources: Iterable[str] = (),
    record_sharers: Iterable[str] | None = None,
    initiatives: Iterable[InitiativeSpell] = (),
    reason: str,
    by: Actor,
) -> IntegrationModel:
    """A partnership's integration model from a quarter on, as a new version (never an
    edit; a second version from the same quarter corrects the first), with who recorded it
    and why. A partnership on this installation is changed only by its own commissioners
    (MANAGE_BCF; another partnership's: PermissionDenied), naming its organisations by code
    (or name) and initiatives by the register's id; one reported to the national view by a
    partnership elsewhere is recorded by national analysts, in words. ModelProblems (a
    ValueError naming the field) when a value is not right or nothing would change."""
    partnership = partnership.strip()
    if not partnership or len(partnership) > 20:
        raise ModelProblems({"partnership": "give the partnership's code (up to 20 characters)."})
    place = Partnership.objects.filter(code=partnership).first()
    if place is None:
        require(by, Permission.VIEW_NATIONAL)
    else:
        if not has_permission(by, Permission.MANAGE_BCF) and has_permission(
            by, Permission.VIEW_NATIONAL
        ):
            raise ModelProblems(
                {
                    "partnership": (
                        f"{partnership} is a partnership on this installation: its own "
                        "commissioners record its model, on its integration model page."
                    )
                }
            )
        require(by, Permission.MANAGE_BCF)
        aggregate_partnership(by, partnership)  # only a commissioner's own partnership
    choices, orgs = model_choices(place)
    host_org = _organisation(orgs, host) if place else None
    lead_org = _organisation(orgs, lead_commissioner) if place else None
    sharers = sorted({s.strip() for s in record_sharers or () if s.strip()})
    draft = Version(
        partnership=partnership,
        from_quarter=from_quarter.strip().upper(),
        budget=budget,
        shared_records=bool(sharers) if (place and record_sharers is not None) else shared_records,
        mdt=mdt,
        host=host_org.code if host_org else host.strip()[:200],
        lead_commissioner=lead_org.code if lead_org else lead_commissioner.strip()[:200],
        section75_schemes=tuple(sorted(set(section75_schemes))),
        section75_sources=tuple(sorted(set(section75_sources))),
        record_sharers=tuple(sharers),
        initiatives=tuple(initiatives),
        recorded=2**62,
    )
    errors = check(draft, choices, reason)
    if errors:
        raise ModelProblems(errors)
    with transaction.atomic():
        existing = versions_of(partnership, lock=True)
        before = in_force_before(existing, draft)
        if before is not None and not changes(before, draft):
            raise ModelProblems(
                {
                    "from_quarter": (
                        f"{partnership} already has a model from {before.from_quarter} with "
                        "nothing different: change something, or leave the model as it is."
                    )
                }
            )
        model = IntegrationModel.objects.create(
            partnership=partnership,
            from_quarter=draft.from_quarter,
            budget=budget,
            mdt=mdt,
            shared_records=draft.shared_records,
            lead_commissioner=(lead_org.name if lead_org else draft.lead_commissioner)[:200],
            host=(host_org.name if host_org else draft.host)[:200],
            lead_commissioner_organisation=lead_org,
            host_organisation=host_org,
            section75_scope=section75_scope.strip()[:300],
            section75_schemes=list(draft.section75_schemes),
            section75_sources=list(draft.section75_sources),
            reason=reason.strip()[:2000],
            recorded_by=by.label[:150],
        )
        if sharers:
            model.record_sharers.set([orgs[c] for c in sharers])
        by_id = _initiatives_by_id({s.initiative for s in draft.initiatives})
        ModelInitiative.objects.bulk_create(
            ModelInitiative(
                model=model,
                initiative=by_id[s.initiative],
                from_quarter=s.from_quarter,
                to_quarter=s.to_quarter,
            )
            for s in draft.initiatives
        )
        record_event(
            by=by,
            action="national.model_recorded",
            detail={
                "partnership": partnership,
                "version": model.pk,
                "from_quarter": model.from_quarter,
                "budget": budget,
                "mdt": mdt,
                "shared_records": draft.shared_records,
                "host": host_org.code if host_org else "",
                "lead_commissioner": lead_org.code if lead_org else "",
                "record_sharers": len(sharers),
                "section75_schemes": len(draft.section75_schemes),
                "initiatives": len(draft.initiatives),
                "corrects": bool(before and before.from_quarter == draft.from_quarter),
            },
        )
    return model


def _organisation(orgs: dict, value: str):
    """One of the partnership's organisations by code or name; None when blank. A value
    that names none of them stays as words (and `check` refuses it)."""
    value = value.strip()
    if not value:
        return None
    found = orgs.get(value) or next((o for o in orgs.values() if o.name == value), None)
    return found


def _initiatives_by_id(ids: set[str]) -> dict:
    from onestory.initiatives.models import Initiative

    return {str(i.external_id): i for i in Initiative.objects.filter(external_id__in=ids)}
