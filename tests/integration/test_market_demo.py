"""The demo's care market: every service the records can name is one the synthetic adult
social care extract names, from the borough's council; the market is made through the
audited actions as the demo commissioner, once."""

import csv
from datetime import date
from pathlib import Path

import pytest

from onestory.audit.models import AuditEvent
from onestory.market.demo import MARKET, create_demo_market
from onestory.market.models import Contract, Provider, Service
from onestory.synthetic import generate, social_care
from onestory.synthetic import reference as ref
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_demo_market_services_are_named_as_the_synthetic_extract_names_them(tmp_path):
    generate(300, 7, tmp_path, 0.0)
    (extract,) = tmp_path.glob("adult_social_care*.csv")
    with extract.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    components = {r["service_component"] for r in rows if r["event_type"] == "Service"}
    assert {r["org_code"] for r in rows} == {ref.COUNCIL[0]}
    codes = {service["record_code"] for _, service, _ in MARKET if service["record_code"]}
    # Every code is one of the generator's service components (rarer ones, such as nursing
    # care, need a bigger borough to turn up), and most turn up in a small borough.
    generator = Path(social_care.__file__).read_text()
    assert all(f'"{code}"' in generator for code in codes)
    assert len(codes & components) >= 4, components


def test_demo_market_is_made_once_by_the_demo_commissioner():
    user = f.user("commissioner.demo", role="commissioner", org=f.organisation())
    result = create_demo_market(today=date(2026, 11, 2))
    assert result.providers == len(MARKET) == Provider.objects.count()
    assert result.contracts == Contract.objects.count() == 6
    assert set(Contract.objects.values_list("kind", flat=True)) == {
        "block",
        "spot",
        "framework",
        "cost_and_volume",
    }
    assert set(Service.objects.values_list("record_org_code", flat=True)) == {ref.COUNCIL[0]}
    events = AuditEvent.objects.filter(actor_id=f"user:{user.pk}")
    assert events.filter(action="market.contract_created").count() == 6
    again = create_demo_market(today=date(2026, 11, 2))
    assert again.already and Provider.objects.count() == len(MARKET)


def test_demo_market_without_the_commissioner_login_makes_nothing():
    assert create_demo_market(today=date(2026, 11, 2)).providers == 0
    assert not Provider.objects.exists()
