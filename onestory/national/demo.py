"""The national view for the demo: a synthetic nation of three partnerships (four localities
each, three years) stands in for the partnerships that publish to it. Its indicators are
computed from the nation's tables, suppressed as a publication is, and loaded; each
partnership gets an integration model. Demo only; a second run changes nothing."""

from dataclasses import dataclass
from pathlib import Path

from onestory.national import actions
from onestory.national.domain.published import Indicator, kind_of
from onestory.national.models import IntegrationModel

PEOPLE = 30_000
SEED = 16
# (partnership, from quarter, budget, MDT model, shared records): P01 pooled its budget part
# way through, so a comparison by model changes with the quarter.
MODELS = (
    ("P01", "2023Q1", "aligned", "practice", False),
    ("P01", "2025Q1", "pooled", "neighbourhood", True),
    ("P02", "2023Q1", "aligned", "none", False),
    ("P03", "2023Q1", "pooled", "neighbourhood", True),
)


@dataclass(frozen=True)
class DemoNational:
    rows: int
    created: int
    already: bool


def publication(folder: Path) -> list[Indicator]:
    """The nation's indicators as its partnerships would publish them."""
    from onestory.evaluation.indicators import domain as ind
    from onestory.evaluation.indicators import queries as iq
    from onestory.evaluation.indicators.nation import nation_panel

    names = [n for n in ind.INDICATORS if kind_of(n) != "cost"]
    out = []
    for r in iq.published(nation_panel(folder, names)):
        if r["denominator"]:
            numerator = None if r["suppressed"] else int(r["numerator"])
            out.append(
                Indicator(
                    r["partnership"],
                    r["locality"],
                    r["quarter"],
                    r["indicator"],
                    numerator,
                    int(r["denominator"]),
                )
            )
    return out


def create_demo_national(out: Path, *, by) -> DemoNational:
    from onestory.synthetic.nation import generate_nation
    from onestory.synthetic.nation.scenario import build

    folder = out / "nation"
    if not (folder / "parquet" / "people.parquet").exists():
        scenario = build(seed=SEED, people=PEOPLE, partnerships=3, localities=4, years=3)
        generate_nation(scenario, folder, {"parquet"})
    rows = publication(folder)
    counts = actions.load_published(rows, source="demo nation", by=by)
    for partnership, quarter, budget, mdt, shared in MODELS:
        if not IntegrationModel.objects.filter(
            partnership=partnership, from_quarter=quarter
        ).exists():
            actions.record_model(
                partnership=partnership,
                from_quarter=quarter,
                budget=budget,
                mdt=mdt,
                shared_records=shared,
                reason="As the partnership reported it to the national view.",
                by=by,
            )
    create_partnership_models(by=by)
    return DemoNational(len(rows), counts["created"], already=not counts["created"])


def _quarter_back(quarters: int) -> str:
    from django.utils import timezone

    today = timezone.localdate()
    index = today.year * 4 + (today.month - 1) // 3 - quarters
    return f"{index // 4}Q{index % 4 + 1}"


def create_partnership_models(*, by) -> int:
    """Two versions of each demo partnership's model (Ashbridge pooled its budget and
    started neighbourhood MDTs a year ago; Brookvale changed its lead commissioner last
    quarter), recorded as its commissioners would. Once: a partnership with a model is left
    alone. Returns the number of versions recorded."""
    from onestory.access.models import Organisation
    from onestory.initiatives.demo import NAME as INITIATIVE
    from onestory.initiatives.models import Initiative
    from onestory.national.domain.models_in_time import InitiativeSpell
    from onestory.places.models import Partnership

    recorded = 0
    for place in Partnership.objects.filter(code__in=("ASH", "BRK")):
        if IntegrationModel.objects.filter(partnership=place.code).exists():
            continue
        orgs = list(Organisation.objects.filter(partnership=place).order_by("code"))
        if not orgs:
            continue

        def of(*kinds, orgs=orgs):
            return [o.code for o in orgs if o.kind in kinds]

        commissioner = (of("commissioner") or [""])[0]
        council = (of("adult_social_care") or [""])[0]
        gps = of("gp_practice")
        two_years, one_year = _quarter_back(8), _quarter_back(4)
        if place.code == "ASH":
            initiative = Initiative.objects.filter(name=INITIATIVE).first()
            versions = [
                dict(
                    from_quarter=two_years,
                    budget="aligned",
                    lead_commissioner=commissioner,
                    section75_schemes=["carers_services", "dfg_related"],
                    section75_sources=["nhs_minimum", "council", "dfg"],
                    record_sharers=gps + of("community_provider"),
                    mdt="practice",
                    reason="First record of the model, from the Better Care Fund plan.",
                ),
                dict(
                    from_quarter=one_year,
                    budget="pooled",
                    host=council,
                    lead_commissioner=commissioner,
                    section75_schemes=[
                        "carers_services",
                        "dfg_related",
                        "home_based_intermediate_care",
                        "integrated_care_planning",
                    ],
                    section75_sources=["nhs_minimum", "council", "dfg", "other"],
                    record_sharers=gps
                    + of("community_provider", "acute_trust", "adult_social_care"),
                    mdt="neighbourhood",
                    initiatives=(
                        [InitiativeSpell(str(initiative.external_id), one_year)]
                        if initiative
                        else []
                    ),
                    reason=(
                        "The new section 75 agreement pools the budget, hosted by the "
                        "council; neighbourhood MDTs began in Ashbridge North."
                    ),
                ),
            ]
        else:
            versions = [
                dict(
                    from_quarter=two_years,
                    budget="aligned",
                    lead_commissioner=commissioner,
                    section75_sources=["nhs_minimum", "council"],
                    record_sharers=gps,
                    mdt="none",
                    reason="First record of the model.",
                ),
                dict(
                    from_quarter=_quarter_back(1),
                    budget="aligned",
                    lead_commissioner=council or commissioner,
                    section75_sources=["nhs_minimum", "council"],
                    record_sharers=gps + ([council] if council else []),
                    mdt="practice",
                    reason="The council now leads; practice MDTs started with adult social care.",
                ),
            ]
        for values in versions:
            actions.record_model(partnership=place.code, by=by, **values)
            recorded += 1
    return recorded
