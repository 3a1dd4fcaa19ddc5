"""A Better Care Fund plan for the demo partnership (ASH): a pooled section 75 agreement
hosted by the council over the last complete financial year and the next, its
contributions, a few schemes from the planning template and their first quarter's spend,
and targets for the five metrics, all through the audited actions as the demo
commissioner. Demo only; safe to repeat (skipped once the partnership has an agreement, so
a second run writes nothing)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from onestory.bcf import actions
from onestory.bcf.domain import targets
from onestory.bcf.models import Agreement

COMMISSIONER = "commissioner.demo"
PARTNERSHIP = "ASH"
# (source, planned for the year in pounds, note)
CONTRIBUTIONS = (
    ("nhs_minimum", 14_200_000, ""),
    ("council", 3_100_000, ""),
    ("dfg", 1_650_000, ""),
    ("other", 5_400_000, "iBCF"),
)
# (name, scheme type, area of spend, lead commissioner, provider type, source, a quarter's
# plan in pounds, Q1 actual in pounds)
SCHEMES = (
    (
        "Home first: discharge to assess",
        "home_based_intermediate_care",
        "community_health",
        "nhs",
        "nhs_community",
        "nhs_minimum",
        1_250_000,
        1_262_000,
    ),
    (
        "Reablement at home",
        "home_based_intermediate_care",
        "social_care",
        "local_authority",
        "local_authority",
        "nhs_minimum",
        900_000,
        1_018_000,  # 13% over plan: a variance alert
    ),
    (
        "Carers' breaks and support",
        "carers_services",
        "social_care",
        "local_authority",
        "charity_voluntary",
        "nhs_minimum",
        210_000,
        204_500,
    ),
    (
        "Adaptations and equipment",
        "dfg_related",
        "social_care",
        "local_authority",
        "local_authority",
        "dfg",
        412_500,
        380_000,
    ),
    (
        "Falls prevention and response",
        "prevention_early_intervention",
        "community_health",
        "joint",
        "nhs_community",
        "other",
        300_000,
        0,
    ),
)
TARGETS = {
    targets.AVOIDABLE: "800.0",
    targets.DISCHARGE: "92.0",
    targets.FALLS: "2000.0",
    targets.PERMANENT: "550.0",
    targets.REABLEMENT: "82.0",
}


@dataclass(frozen=True)
class DemoPlan:
    schemes: int
    already: bool = False


def create_demo_plan(*, today: date) -> DemoPlan:
    from django.contrib.auth import get_user_model

    from onestory.access.policy import actor_for_user
    from onestory.commissioning.queries import latest_complete_year
    from onestory.places.models import Partnership

    partnership = Partnership.objects.filter(code=PARTNERSHIP).first()
    user = get_user_model().objects.filter(username=COMMISSIONER).first()
    if partnership is None or user is None:
        return DemoPlan(0)
    found = Agreement.objects.filter(partnership=partnership).first()
    if found is not None:
        return DemoPlan(found.schemes.count(), already=True)
    by = actor_for_user(user, "cli")
    first = latest_complete_year(today).first
    agreement = actions.create_agreement(
        partnership=partnership,
        values={
            "first_year": first,
            "last_year": first + 1,
            "council_name": partnership.council_name or "The council",
            "nhs_partner_name": "Ashbridge Integrated Care Board",
            "host": "council",
            "arrangement": "pooled",
            "overspend_council_pct": 50,
            "underspend_council_pct": 50,
            "starts_on": date(first, 4, 1),
            "ends_on": date(first + 2, 3, 31),
            "status": "agreed",
        },
        by=by,
    )
    for year in agreement.years:
        for source, pounds, note in CONTRIBUTIONS:
            actions.set_contribution(
                agreement, year=year, source=source, planned_pence=pounds * 100, note=note, by=by
            )
    for n, (name, kind, area, lead, provider, source, quarter, q1) in enumerate(SCHEMES, 1):
        scheme = actions.add_scheme(
            agreement,
            values={
                "year": first,
                "reference": str(n),
                "name": name,
                "scheme_type": kind,
                "spend_area": area,
                "lead_commissioner": lead,
                "provider_type": provider,
                "source": source,
                **{f"planned_q{q}": quarter * 100 for q in (1, 2, 3, 4)},
            },
            by=by,
        )
        actions.record_spend(scheme, quarter=1, actual_pence=q1 * 100, by=by)
    for metric, annual in TARGETS.items():
        actions.set_target(
            agreement,
            year=first,
            metric=metric,
            annual=Decimal(annual),
            trajectory={},
            by=by,
        )
    return DemoPlan(len(SCHEMES))
