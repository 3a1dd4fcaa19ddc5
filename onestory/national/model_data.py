"""Integration models as the pure rules see them (`domain.models_in_time.Version`), and what
a partnership's model may name: its own organisations, the register's initiatives that run
there (or everywhere), the Better Care Fund template's categories. Organisations and
initiatives only, never a person; used by `actions` and `queries`, not by views."""

from onestory.access.models import Organisation, OrganisationKind
from onestory.bcf.domain.plan import SCHEME_TYPES, SOURCES
from onestory.national.domain.models_in_time import Choices, InitiativeSpell, Version
from onestory.national.models import IntegrationModel

# Who may lead the commissioning of a partnership's model: its commissioners and councils.
COMMISSIONING_KINDS = {
    OrganisationKind.COMMISSIONER,
    OrganisationKind.ADULT_SOCIAL_CARE,
    OrganisationKind.CHILDRENS_SERVICES,
}


def _models(partnership: str | None = None, lock: bool = False):
    found = IntegrationModel.objects.select_related(
        "host_organisation", "lead_commissioner_organisation"
    ).prefetch_related("record_sharers", "spells__initiative")
    if partnership is not None:
        found = found.filter(partnership=partnership)
    if lock:
        found = found.select_for_update(of=("self",))
    return found.order_by("id")


def to_version(m: IntegrationModel) -> Version:
    return Version(
        partnership=m.partnership,
        from_quarter=m.from_quarter,
        budget=m.budget,
        shared_records=m.shared_records,
        mdt=m.mdt,
        host=m.host_organisation.code if m.host_organisation else m.host,
        lead_commissioner=(
            m.lead_commissioner_organisation.code
            if m.lead_commissioner_organisation
            else m.lead_commissioner
        ),
        section75_schemes=tuple(sorted(m.section75_schemes or ())),
        section75_sources=tuple(sorted(m.section75_sources or ())),
        record_sharers=tuple(sorted(o.code for o in m.record_sharers.all())),
        initiatives=tuple(
            InitiativeSpell(str(s.initiative.external_id), s.from_quarter, s.to_quarter)
            for s in m.spells.all()
        ),
        recorded=m.pk,
    )


def versions_of(partnership: str | None = None, lock: bool = False) -> list[Version]:
    """Every version (of one partnership, or all), in the order they were recorded."""
    return [to_version(m) for m in _models(partnership, lock)]


def rows_of(partnership: str) -> list[IntegrationModel]:
    return list(_models(partnership))


def organisations(place) -> dict[str, Organisation]:
    """The partnership's organisations by code (none for a partnership not on this
    installation)."""
    if place is None:
        return {}
    return {o.code: o for o in Organisation.objects.filter(partnership=place).order_by("name")}


def initiatives_for(place) -> list:
    """The register's initiatives a partnership may say it runs: those in its localities and
    those not tied to any locality (every one, for a partnership not on this installation)."""
    from django.db.models import Q

    from onestory.initiatives.models import Initiative

    found = Initiative.objects.all()
    if place is not None:
        found = found.filter(
            Q(places__isnull=True) | Q(places__locality__partnership=place)
        ).distinct()
    return list(found.order_by("name"))


def model_choices(place) -> tuple[Choices, dict[str, Organisation]]:
    orgs = organisations(place)
    choices = Choices(
        organisations=frozenset(orgs),
        commissioners=frozenset(c for c, o in orgs.items() if o.kind in COMMISSIONING_KINDS),
        initiatives=frozenset(str(i.external_id) for i in initiatives_for(place)),
        schemes=frozenset(SCHEME_TYPES),
        sources=frozenset(SOURCES),
        on_installation=place is not None,
    )
    return choices, orgs
