"""The Better Care Fund plan's actions and queries: the agreement, contributions, schemes
and their spend, targets, each write audited once (and not at all when nothing changed),
the pool warning, variance alerts, the metrics beside their targets for the partnership,
and the quarterly return as XLSX, opened with openpyxl and read cell by cell."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from onestory.access.policy import actor_for_user
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.bcf import actions, queries
from onestory.bcf.domain import targets
from onestory.bcf.models import Agreement, Scheme
from onestory.places.demo import create_demo_places
from onestory.places.models import Partnership
from tests import factories as f
from tests.integration.test_commissioning import admission, build_borough

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")
TERMS = {
    "first_year": 2025,
    "last_year": 2026,
    "council_name": "Ashbridge Council",
    "nhs_partner_name": "Ashbridge Integrated Care Board",
    "host": "council",
    "arrangement": "pooled",
    "overspend_council_pct": 60,
    "underspend_council_pct": 50,
    "starts_on": date(2025, 4, 1),
    "ends_on": date(2027, 3, 31),
    "status": "agreed",
}
SCHEME = {
    "year": 2025,
    "reference": "1",
    "name": "Home from hospital",
    "scheme_type": "home_based_intermediate_care",
    "spend_area": "community_health",
    "lead_commissioner": "nhs",
    "provider_type": "nhs_community",
    "source": "nhs_minimum",
    "planned_q1": 100_000_00,
    "planned_q2": 100_000_00,
    "planned_q3": 100_000_00,
    "planned_q4": 100_000_00,
}


def staff(role="commissioner"):
    user = f.user(None, role=role, org=f.organisation("QWO", "Ashbridge ICB"))
    return user, actor_for_user(user)


@pytest.fixture
def ash() -> Partnership:
    create_demo_places(by=SYSTEM)
    return Partnership.objects.get(code="ASH")


def agreement_with_a_scheme(ash, by) -> tuple[Agreement, Scheme]:
    agreement = actions.create_agreement(partnership=ash, values=TERMS, by=by)
    actions.set_contribution(
        agreement, year=2025, source="nhs_minimum", planned_pence=300_000_00, by=by
    )
    actions.set_contribution(
        agreement, year=2025, source="council", planned_pence=150_000_00, by=by
    )
    return agreement, actions.add_scheme(agreement, values=SCHEME, by=by)


def bcf_events():
    return AuditEvent.objects.filter(action__startswith="bcf.")


def test_each_write_is_one_audited_event_naming_no_one(ash):
    _user, by = staff()
    agreement, scheme = agreement_with_a_scheme(ash, by)
    actions.record_spend(scheme, quarter=1, actual_pence=95_000_00, by=by)
    actions.set_target(
        agreement,
        year=2025,
        metric=targets.REABLEMENT,
        annual=Decimal("82.0"),
        trajectory={1: Decimal("80"), 2: None, 3: None, 4: None},
        by=by,
    )
    assert list(bcf_events().order_by("id").values_list("action", flat=True)) == [
        "bcf.agreement_created",
        "bcf.contribution_set",
        "bcf.contribution_set",
        "bcf.scheme_added",
        "bcf.spend_recorded",
        "bcf.target_set",
    ]
    for event in bcf_events():
        assert event.person_id == ""
        assert event.detail["partnership"] == "ASH"
        assert event.detail["agreement"] == str(agreement.external_id)
    spend = bcf_events().get(action="bcf.spend_recorded")
    assert spend.detail["quarter"] == 1 and spend.detail["actual_pence"] == 95_000_00
    assert spend.detail["before_pence"] is None


def test_writes_that_change_nothing_record_nothing(ash):
    _user, by = staff()
    agreement, scheme = agreement_with_a_scheme(ash, by)
    actions.record_spend(scheme, quarter=1, actual_pence=1_00, by=by)
    count = bcf_events().count()
    assert actions.update_agreement(agreement, values=TERMS, by=by) == []
    assert actions.update_scheme(scheme, values=SCHEME, by=by) == []
    assert actions.record_spend(scheme, quarter=1, actual_pence=1_00, by=by) is False
    assert (
        actions.set_contribution(
            agreement, year=2025, source="council", planned_pence=150_000_00, by=by
        )
        == "unchanged"
    )
    assert bcf_events().count() == count
    changed = actions.update_agreement(agreement, values={**TERMS, "status": "ended"}, by=by)
    assert changed == ["status"] and bcf_events().count() == count + 1
    assert agreement.status == "ended"


def test_bad_agreement_values_name_each_field(ash):
    _user, by = staff()
    bad = {
        **TERMS,
        "council_name": " ",
        "host": "both",
        "overspend_council_pct": 120,
        "last_year": 2024,
        "ends_on": date(2025, 1, 1),
    }
    with pytest.raises(ValidationError) as caught:
        actions.create_agreement(partnership=ash, values=bad, by=by)
    errors = caught.value.message_dict
    assert set(errors) == {"council_name", "host", "overspend_council_pct", "last_year", "ends_on"}
    assert not Agreement.objects.exists() and not bcf_events().exists()
    agreement = actions.create_agreement(partnership=ash, values=TERMS, by=by)
    with pytest.raises(ValidationError, match="already has an agreement"):
        actions.create_agreement(partnership=ash, values=TERMS, by=by)
    actions.set_contribution(agreement, year=2026, source="dfg", planned_pence=1, by=by)
    with pytest.raises(ValidationError, match="Some contributions are for years outside"):
        actions.update_agreement(agreement, values={**TERMS, "last_year": 2025}, by=by)


def test_bad_scheme_spend_and_target_values_are_refused(ash):
    _user, by = staff()
    agreement, scheme = agreement_with_a_scheme(ash, by)
    with pytest.raises(ValidationError) as caught:
        actions.add_scheme(
            agreement,
            values={**SCHEME, "year": 2030, "scheme_type": "x", "planned_q2": -1},
            by=by,
        )
    assert set(caught.value.message_dict) == {"year", "scheme_type", "planned_q2"}
    with pytest.raises(ValidationError, match="Another scheme that year has this ID"):
        actions.add_scheme(agreement, values=SCHEME, by=by)
    with pytest.raises(ValidationError):
        actions.record_spend(scheme, quarter=5, actual_pence=1, by=by)
    with pytest.raises(ValidationError, match="more than 100"):
        actions.set_target(
            agreement,
            year=2025,
            metric=targets.DISCHARGE,
            annual=Decimal("101"),
            trajectory={},
            by=by,
        )
    with pytest.raises(ValidationError):
        actions.set_contribution(agreement, year=2025, source="lottery", planned_pence=1, by=by)
    # a target is kept to one decimal place, so setting it again at that precision is no change
    assert (
        actions.set_target(
            agreement,
            year=2025,
            metric=targets.FALLS,
            annual=Decimal("2000.04"),
            trajectory={},
            by=by,
        )
        == "created"
    )
    assert agreement.targets.get().annual == Decimal("2000.0")
    assert (
        actions.set_target(
            agreement, year=2025, metric=targets.FALLS, annual=Decimal("2000"), trajectory={}, by=by
        )
        == "unchanged"
    )


def test_analysts_and_care_roles_may_not_write(ash):
    _user, by = staff()
    agreement, scheme = agreement_with_a_scheme(ash, by)
    for role in ("analyst", "gp", "social_worker"):
        _u, other = staff(role)
        with pytest.raises(PermissionDenied):
            actions.record_spend(scheme, quarter=2, actual_pence=1, by=other)
        with pytest.raises(PermissionDenied):
            actions.create_agreement(
                partnership=ash, values={**TERMS, "first_year": 2027}, by=other
            )
    _u, analyst = staff("analyst")
    assert queries.plan_for(agreement, by=analyst, with_metrics=False)["may_manage"] is False


def test_plan_totals_warn_when_the_schemes_exceed_the_pool_and_alert_on_variance(ash):
    _user, by = staff()
    agreement, scheme = agreement_with_a_scheme(ash, by)
    figures = queries.plan_for(agreement, by=by, year=2025, with_metrics=False)
    assert figures["pool"].contributions == 450_000_00 and figures["pool"].planned == 400_000_00
    assert not figures["pool"].over and figures["quarter"] == 1
    # Q1 planned 100,000, spent 89,000: 11% under -> an alert; the second scheme is on plan
    actions.record_spend(scheme, quarter=1, actual_pence=89_000_00, by=by)
    second = actions.add_scheme(
        agreement,
        values={
            **SCHEME,
            "reference": "2",
            "name": "Carers' breaks",
            "scheme_type": "carers_services",
        },
        by=by,
    )
    actions.record_spend(second, quarter=1, actual_pence=105_000_00, by=by)
    figures = queries.plan_for(agreement, by=by, year=2025, with_metrics=False)
    assert figures["pool"].over and figures["pool"].headroom == -350_000_00
    assert "more than the pool's £450,000.00" in figures["pool"].warning
    alerts = {r["scheme"].reference: r["variance"].alert for r in figures["schemes"]}
    assert alerts == {"1": True, "2": False} and figures["alerts"] == 1
    # the pool so far: planned 200,000, spent 194,000; underspend 6,000 shared 50/50
    share = figures["risk_share"]
    assert (share.underspend, share.council, share.nhs) == (6_000_00, -3_000_00, -3_000_00)
    # by Q2 with nothing recorded for it, both schemes are far under plan
    q2 = queries.plan_for(agreement, by=by, year=2025, quarter=2, with_metrics=False)
    assert q2["alerts"] == 2


def test_plan_shows_the_partnerships_metrics_beside_targets(ash):
    build_borough()  # everyone at a practice in Ashbridge North
    _user, by = staff()
    agreement, _scheme = agreement_with_a_scheme(ash, by)
    for metric, annual in ((targets.REABLEMENT, "75"), (targets.PERMANENT, "20000")):
        actions.set_target(
            agreement,
            year=2025,
            metric=metric,
            annual=Decimal(annual),
            trajectory={},
            by=by,
        )
    rows = {r["key"]: r for r in queries.plan_for(agreement, by=by, year=2025)["metrics"]["rows"]}
    # reablement 8 of 10 at home on day 91: 80.0% against 75 (higher is better)
    assert rows[targets.REABLEMENT]["figure"]["value"] == 80.0
    assert rows[targets.REABLEMENT]["judgement"].status == targets.ON_TRACK
    # permanent admissions 9 of 40: 22,500 per 100,000 against 20,000 (lower is better)
    assert rows[targets.PERMANENT]["figure"]["value"] == 22500.0
    assert rows[targets.PERMANENT]["judgement"].status == targets.NOT_ON_TRACK
    assert rows[targets.FALLS]["judgement"].status == targets.NO_TARGET
    (event,) = AuditEvent.objects.filter(action="commissioning.bcf_metrics")
    assert event.detail["area"].endswith("(ASH)")


def test_plan_links_to_the_metrics_page_for_the_same_year(ash, client):
    user, by = staff()
    agreement, _scheme = agreement_with_a_scheme(ash, by)
    client.force_login(user)
    html = client.get(reverse("bcf-plan", args=[agreement.external_id])).content.decode()
    link = html[html.index('data-testid="metrics-link"') :]
    assert f'href="{reverse("commissioning")}?year=2025-26"' in link[: link.index("</p>")]


def test_plan_without_linked_records_shows_targets_and_says_so(ash, client):
    user, by = staff()
    agreement, _scheme = agreement_with_a_scheme(ash, by)
    client.force_login(user)
    html = client.get(reverse("bcf-plan", args=[agreement.external_id])).content.decode()
    assert 'data-testid="metrics-not-linked"' in html
    assert "Records have not been linked into people yet" in html
    assert "1 April 2025 to 31 March 2027" in html  # NHS date style
    assert "Cannot say: the figure is not available yet" not in html  # no target set yet
    actions.set_target(
        agreement, year=2025, metric=targets.FALLS, annual=Decimal("2000"), trajectory={}, by=by
    )
    html = client.get(reverse("bcf-plan", args=[agreement.external_id])).content.decode()
    status = html[html.index('data-testid="status-falls_65plus_per_100k"') :]
    assert "Cannot say: the figure is not available yet" in status[: status.index("</td>")]


def _sheet_rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_quarterly_return_xlsx_holds_the_plan_and_suppressed_metrics(ash, client):
    # five people 65+ with a fall each in 2025-26: counts of 5 are withheld
    gp = f.source_system("gp", "Y02101", "Ashbridge Health Centre")
    acute = f.source_system("acute", "R9A", "Ashbridge Teaching Hospitals")
    for i in range(5):
        nhs = f.nhs_number()
        g = f.source_record(gp, nhs_number=nhs, date_of_birth=date(1950, 1, 1), family_name="Qz")
        a = f.source_record(acute, nhs_number=nhs, date_of_birth=date(1950, 1, 1))
        admission(a, date(2025, 6, 1) + timedelta(i), 2, "217082002")
        f.linked_person(g, a)
    user, by = staff()
    agreement, scheme = agreement_with_a_scheme(ash, by)
    actions.record_spend(scheme, quarter=1, actual_pence=120_000_00, by=by)
    actions.set_target(
        agreement, year=2025, metric=targets.FALLS, annual=Decimal("2000"), trajectory={}, by=by
    )
    client.force_login(user)
    response = client.get(
        reverse("bcf-return", args=[agreement.external_id]), {"year": "2025-26", "quarter": "1"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="bcf-return-ASH-2025-26-Q1.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Cover", "Agreement", "Income", "Expenditure", "Metrics"]
    cover = book["Cover"]
    assert cover["A1"].value == "Better Care Fund quarterly return"
    assert cover["B2"].value == "Ashbridge Health and Care Partnership"
    assert cover["B4"].value == "2025-26" and cover["B5"].value.startswith("Q1")
    terms = dict((r[0], r[1]) for r in _sheet_rows(book["Agreement"])[1:])
    assert terms["Pooled or aligned"] == "Pooled"
    assert terms["Host partner"] == "Ashbridge Council"
    assert terms["Overspend: NHS partner share (%)"] == 40
    assert terms["Starts"] == "1 April 2025"
    income = {r[0]: r[2] for r in _sheet_rows(book["Income"])[1:]}
    assert income["NHS minimum contribution"] == 300000.0
    assert income["Disabled Facilities Grant"] == 0
    assert income["Total pool"] == 450000.0
    assert book["Income"]["C2"].number_format == '"£"#,##0.00'
    expenditure = _sheet_rows(book["Expenditure"])
    header, first = expenditure[0], expenditure[1]
    row = dict(zip(header, first, strict=True))
    assert row["Scheme name"] == "Home from hospital"
    assert row["Scheme type"] == "Home-based intermediate care services"
    assert row["Planned Q1 (£)"] == 100000.0 and row["Actual Q1 (£)"] == 120000.0
    assert row["Variance year to date (£)"] == 20000.0 and row["Variance (%)"] == 20.0
    assert row["Alert (more than 10% from plan)"] == "Yes"
    metrics = {r[1]: r for r in _sheet_rows(book["Metrics"])[1:]}
    falls = metrics[targets.FALLS]
    assert falls[3] == 2000.0
    assert falls[5] == "Suppressed (fewer than 8)" and falls[6] == "Suppressed (fewer than 8)"
    assert falls[9].startswith("Cannot say")
    for r in _sheet_rows(book["Metrics"]):
        assert 5 not in r[5:8]  # the raw count never appears
    body = response.content
    assert b"Qz" not in body
    (event,) = AuditEvent.objects.filter(action="bcf.return_downloaded")
    assert event.detail == {
        "agreement": str(agreement.external_id),
        "partnership": "ASH",
        "year": "2025-26",
        "quarter": 1,
        "schemes": 1,
        "alerts": 1,
        "contributions": 2,
        "metrics_suppressed": event.detail["metrics_suppressed"],
    }
    assert event.detail["metrics_suppressed"] >= 1 and event.person_id == ""


def test_pages_warn_when_the_plan_exceeds_the_pool_and_analysts_get_no_forms(ash, client):
    user, by = staff()
    agreement, scheme = agreement_with_a_scheme(ash, by)
    actions.add_scheme(
        agreement,
        values={**SCHEME, "reference": "2", "planned_q1": 60_000_00},
        by=by,
    )  # 400,000 + 360,000 planned against a pool of 450,000
    actions.record_spend(scheme, quarter=1, actual_pence=120_000_00, by=by)
    client.force_login(user)
    plan_url = reverse("bcf-plan", args=[agreement.external_id])
    schemes_url = reverse("bcf-schemes", args=[agreement.external_id])
    html = client.get(plan_url).content.decode()
    assert 'data-testid="pool-warning"' in html
    assert "£310,000.00 more than the pool&#x27;s £450,000.00" in html
    # Q1: planned 160,000 across both, spent 120,000: an underspend of 40,000, 50/50
    assert "An underspend of £40,000.00 so far" in html
    assert "£20,000.00 would go back to the council and £20,000.00 to the NHS partner" in html
    html = client.get(schemes_url).content.decode()
    assert 'data-testid="pool-warning"' in html and "Add a scheme" in html
    analyst, _ = staff("analyst")
    client.force_login(analyst)
    html = client.get(schemes_url).content.decode()
    assert "Add a scheme" not in html
    assert reverse("bcf-scheme", args=[scheme.external_id]) not in html
    assert "Home from hospital" in html  # read, not edited
    html = client.get(reverse("bcf-home")).content.decode()
    assert "Set up an agreement" not in html and "Ashbridge Health and Care Partnership" in html
    html = client.get(plan_url).content.decode()
    assert reverse("bcf-contributions", args=[agreement.external_id]) not in html
