"""A care market for the demo borough: providers and services for each service component the
synthetic adult social care extract names (so "who uses it now" counts real demo records),
with contracts of each kind, all through the audited actions as the demo commissioner.
Demo only; safe to repeat (skipped once the market has providers)."""

from dataclasses import dataclass
from datetime import date

from onestory.market import actions
from onestory.market.domain import contracts
from onestory.market.models import Provider
from onestory.synthetic import reference as ref

COMMISSIONER = "commissioner.demo"

# provider (name, code, kind), service values, contract values (or None)
MARKET = (
    (
        ("Ashbridge Home Care Ltd", "1-101000001", "Independent sector"),
        {
            "name": "Home support",
            "service_type": "home_care",
            "capacity": 220,
            "vacancies": 18,
            "unit_price_pence": 24_50,
            "unit": "hour",
            "record_code": "Home care",
        },
        {"reference": "ASC-HC-2025-01", "kind": contracts.FRAMEWORK, "years": 3},
    ),
    (
        ("Elm House Care Home", "1-101000002", "Independent sector"),
        {
            "name": "Residential care",
            "service_type": "residential",
            "capacity": 42,
            "vacancies": 3,
            "unit_price_pence": 915_00,
            "unit": "week",
            "record_code": "Residential care",
        },
        {"reference": "ASC-RES-SPOT", "kind": contracts.SPOT, "years": None},
    ),
    (
        ("Beech Lodge Nursing Home", "1-101000003", "Independent sector"),
        {
            "name": "Nursing care",
            "service_type": "nursing",
            "capacity": 60,
            "vacancies": 5,
            "unit_price_pence": 1_280_00,
            "unit": "week",
            "record_code": "Nursing care",
        },
        {
            "reference": "ASC-NUR-BLOCK-01",
            "kind": contracts.BLOCK,
            "years": 2,
            "volume": 2 * 52 * 30,
            "value_pence": 2 * 52 * 30 * 1_250_00,
        },
    ),
    (
        ("Ashbridge Council Reablement Team", "", "Council in-house"),
        {
            "name": "Home reablement",
            "service_type": "reablement",
            "capacity": 80,
            "vacancies": 9,
            "unit_price_pence": 28_50,
            "unit": "hour",
            "record_code": "Reablement",
        },
        {
            "reference": "ICB-REAB-S75",
            "kind": contracts.BLOCK,
            "years": 1,
            "volume": 40_000,
            "value_pence": 40_000 * 28_50,
        },
    ),
    (
        ("Riverside Day Centre", "1-101000004", "Charity"),
        {
            "name": "Day opportunities",
            "service_type": "day_opportunities",
            "capacity": 35,
            "vacancies": 6,
            "unit_price_pence": 68_00,
            "unit": "day",
            "record_code": "Day care",
        },
        {
            "reference": "ASC-DAY-CV-01",
            "kind": contracts.COST_AND_VOLUME,
            "years": 2,
            "volume": 2 * 250 * 25,
            "value_pence": 2 * 250 * 25 * 65_00,
        },
    ),
    (
        ("Open Doors Supported Living", "1-101000005", "Charity"),
        {
            "name": "Supported living",
            "service_type": "supported_living",
            "capacity": 40,
            "vacancies": 2,
            "unit_price_pence": 23_50,
            "unit": "hour",
            "record_code": "Supported living",
        },
        {"reference": "ASC-SL-FW-02", "kind": contracts.FRAMEWORK, "years": 4},
    ),
    (
        ("Thursday Growers", "", "Micro-enterprise"),
        {
            "name": "Allotment group",
            "service_type": "micro_enterprise",
            "capacity": 10,
            "vacancies": 10,
            "unit_price_pence": 90_00,
            "unit": "session",
            "record_code": "",
        },
        None,
    ),
)


@dataclass(frozen=True)
class DemoMarket:
    providers: int
    contracts: int
    already: bool = False


def create_demo_market(*, today: date) -> DemoMarket:
    from django.contrib.auth import get_user_model

    from onestory.access.policy import actor_for_user

    user = get_user_model().objects.filter(username=COMMISSIONER).first()
    if user is None:
        return DemoMarket(0, 0)
    if Provider.objects.exists():
        return DemoMarket(Provider.objects.count(), 0, already=True)
    by = actor_for_user(user, "cli")
    start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    made = 0
    for (name, code, kind), service_values, contract in MARKET:
        provider = actions.create_provider(values={"name": name, "code": code, "kind": kind}, by=by)
        service = actions.create_service(
            provider=provider,
            values={**service_values, "record_org_code": ref.COUNCIL[0]},
            by=by,
        )
        if contract is None:
            continue
        years = contract["years"]
        end = date(start.year + years, 3, 31) if years else None
        actions.create_contract(
            service=service,
            values={
                "reference": contract["reference"],
                "kind": contract["kind"],
                "start": start,
                "end": end,
                "value_pence": contract.get("value_pence"),
                "volume": contract.get("volume"),
                "flexibility": sorted(contracts.default_flexibility(contract["kind"])),
            },
            by=by,
        )
        made += 1
    return DemoMarket(len(MARKET), made)
