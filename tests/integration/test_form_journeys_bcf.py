"""Every Better Care Fund plan form submitted through the Django client as its page submits
it: valid input (what is stored and the one audit event), invalid input (the error shown
beside the field, nothing stored) and an analyst, who reads the plan but may not change
it (403, nothing stored)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.bcf.models import Agreement, Contribution, Scheme, Target
from tests import factories as f
from tests.integration.test_bcf import SCHEME, TERMS, agreement_with_a_scheme, ash  # noqa: F401

pytestmark = pytest.mark.django_db

AGREEMENT_FORM = {
    "partnership": "ASH",
    "first_year": "2025",
    "last_year": "2026",
    "council_name": "Ashbridge Council",
    "nhs_partner_name": "Ashbridge Integrated Care Board",
    "host": "council",
    "arrangement": "pooled",
    "overspend_council_pct": "60",
    "underspend_council_pct": "50",
    "starts_on-day": "1",
    "starts_on-month": "4",
    "starts_on-year": "2025",
    "ends_on-day": "31",
    "ends_on-month": "3",
    "ends_on-year": "2027",
    "status": "agreed",
}
SCHEME_FORM = {
    "year": "2025-26",
    "reference": "7",
    "name": "Falls response service",
    "scheme_type": "community_based_schemes",
    "spend_area": "community_health",
    "lead_commissioner": "joint",
    "provider_type": "nhs_community",
    "source": "nhs_minimum",
    "planned_q1": "25,000.00",
    "planned_q2": "25000",
    "planned_q3": "25000",
    "planned_q4": "",
}


def user(role="commissioner"):
    return f.user(None, role=role, org=f.organisation("QWO", "Ashbridge ICB"))


@pytest.fixture
def commissioner(client):
    u = user()
    client.force_login(u)
    return u


@pytest.fixture
def analyst(client):
    u = user("analyst")
    client.force_login(u)
    return u


def _events(u, action):
    return AuditEvent.objects.filter(actor_id=f"user:{u.pk}", action=action)


def _plan(ash):  # noqa: F811
    return agreement_with_a_scheme(ash, actor_for_user(user()))


def test_agreement_new_form_sets_up_the_agreement_and_audits(client, ash, commissioner):  # noqa: F811
    page = client.get(reverse("bcf-agreement-new"), {"partnership": "ASH"}).content.decode()
    assert 'value="Ashbridge Metropolitan Borough Council"' in page  # filled in
    response = client.post(reverse("bcf-agreement-new"), AGREEMENT_FORM)
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bcf-plan", args=[agreement.external_id])
    assert (agreement.first_year, agreement.last_year, agreement.overspend_council_pct) == (
        2025,
        2026,
        60,
    )
    assert str(agreement.ends_on) == "2027-03-31"
    assert _events(commissioner, "bcf.agreement_created").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Agreement set up." in page


def test_agreement_new_form_shows_errors_and_stores_nothing(client, ash, commissioner):  # noqa: F811
    bad = {**AGREEMENT_FORM, "overspend_council_pct": "150", "ends_on-month": "13", "host": ""}
    response = client.post(reverse("bcf-agreement-new"), bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end date must be a real date" in html
    assert 'href="#ends_on"' in html
    assert not Agreement.objects.exists()
    response = client.post(reverse("bcf-agreement-new"), {**AGREEMENT_FORM, "host": "neither"})
    html = response.content.decode()
    assert response.status_code == 400 and "Choose the host partner." in html
    assert "Enter the council&#x27;s share as a whole percentage" not in html
    response = client.post(reverse("bcf-agreement-new"), {**AGREEMENT_FORM, "partnership": "ZZ"})
    assert "Choose the partnership" in response.content.decode()
    assert not Agreement.objects.exists()


def test_agreement_new_form_refuses_an_analyst(client, ash, analyst):  # noqa: F811
    assert client.get(reverse("bcf-agreement-new")).status_code == 403
    assert client.post(reverse("bcf-agreement-new"), AGREEMENT_FORM).status_code == 403
    assert not Agreement.objects.exists()


def test_agreement_edit_form_changes_the_terms_and_audits(client, ash, commissioner):  # noqa: F811
    agreement, _ = _plan(ash)
    url = reverse("bcf-agreement-edit", args=[agreement.external_id])
    page = client.get(url).content.decode()
    assert (
        'id="starts_on-day" name="starts_on-day" type="text" inputmode="numeric" value="1"' in page
    )
    response = client.post(url, {**AGREEMENT_FORM, "underspend_council_pct": "70"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.underspend_council_pct == 70
    (event,) = _events(commissioner, "bcf.agreement_changed")
    assert event.detail["fields"] == ["underspend_council_pct"]
    response = client.post(url, {**AGREEMENT_FORM, "council_name": ""})
    assert (
        response.status_code == 400
        and "Enter the council&#x27;s name." in response.content.decode()
    )
    client.force_login(user("analyst"))
    assert client.post(url, AGREEMENT_FORM).status_code == 403


def test_contributions_form_sets_a_source_for_a_year_and_audits(client, ash, commissioner):  # noqa: F811
    agreement, _ = _plan(ash)
    url = reverse("bcf-contributions", args=[agreement.external_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"year": "2026-27", "source": "dfg", "amount": "1,234,567.89", "note": "DFG"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?year=2026-27")
    c = Contribution.objects.get(agreement=agreement, year=2026, source="dfg")
    assert (c.planned_pence, c.note) == (123456789, "DFG")
    assert _events(commissioner, "bcf.contribution_set").count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "£1,234,567.89" in html and "Disabled Facilities Grant for 2026-27: saved." in html
    response = client.post(url, {"year": "2026-27", "source": "dfg", "amount": "lots"})
    assert response.status_code == 400
    assert "Enter the amount in pounds" in response.content.decode()
    response = client.post(url, {"year": "2031-32", "source": "dfg", "amount": "1"})
    assert "Choose a year the agreement covers" in response.content.decode()
    client.force_login(user("analyst"))
    assert client.post(url, {"year": "2026-27", "source": "dfg", "amount": "1"}).status_code == 403
    assert Contribution.objects.get(year=2026, source="dfg").planned_pence == 123456789


def test_scheme_new_form_adds_the_scheme_and_audits(client, ash, commissioner):  # noqa: F811
    agreement, _ = _plan(ash)
    url = reverse("bcf-scheme-new", args=[agreement.external_id])
    assert "Home-based intermediate care services" in client.get(url).content.decode()
    response = client.post(url, SCHEME_FORM)
    scheme = Scheme.objects.get(reference="7")
    assert response.status_code == 302
    assert response["Location"] == reverse("bcf-scheme", args=[scheme.external_id])
    assert scheme.planned == {1: 25_000_00, 2: 25_000_00, 3: 25_000_00, 4: 0}
    assert scheme.lead_commissioner == "joint" and scheme.year == 2025
    assert _events(commissioner, "bcf.scheme_added").count() == 1
    response = client.post(url, {**SCHEME_FORM, "reference": "8", "scheme_type": "", "name": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a scheme type." in html and "Enter the scheme&#x27;s name." in html
    assert not Scheme.objects.filter(reference="8").exists()
    client.force_login(user("analyst"))
    assert client.post(url, {**SCHEME_FORM, "reference": "9"}).status_code == 403
    assert not Scheme.objects.filter(reference="9").exists()


def test_scheme_form_changes_the_scheme_and_audits(client, ash, commissioner):  # noqa: F811
    _agreement, scheme = _plan(ash)
    url = reverse("bcf-scheme", args=[scheme.external_id])
    page = client.get(url).content.decode()
    assert 'value="100000.00"' in page and "Home from hospital" in page
    form = {**SCHEME_FORM, "reference": "1", "name": "Home from hospital (extended)"}
    form.update({f"planned_q{q}": "100000" for q in (1, 2, 3, 4)})
    response = client.post(url, form)
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.name == "Home from hospital (extended)"
    (event,) = _events(commissioner, "bcf.scheme_changed")
    assert "name" in event.detail["fields"]
    response = client.post(url, {**form, "planned_q3": "-5"})
    assert response.status_code == 400
    assert "The planned spend for Q3 cannot be negative." in response.content.decode()
    client.force_login(user("analyst"))
    assert client.post(url, {**form, "name": "Other"}).status_code == 403
    assert client.get(url).status_code == 403


def test_scheme_spend_form_records_a_quarter_and_audits(client, ash, commissioner):  # noqa: F811
    _agreement, scheme = _plan(ash)
    url = reverse("bcf-scheme-spend", args=[scheme.external_id])
    response = client.post(url, {"quarter": "1", "actual": "112500.50"})
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.actual_q1 == 112_500_50
    (event,) = _events(commissioner, "bcf.spend_recorded")
    assert event.detail["quarter"] == 1
    html = client.get(response["Location"]).content.decode()
    assert "Actual spend for Q1 recorded." in html
    assert "£112,500.50" in html and "Variance alert" in html  # 12.5% over
    response = client.post(url, {"quarter": "1", "actual": ""})
    assert response.status_code == 400
    assert "Enter the actual spend in pounds" in response.content.decode()
    client.force_login(user("analyst"))
    assert client.post(url, {"quarter": "2", "actual": "5"}).status_code == 403
    scheme.refresh_from_db()
    assert scheme.actual_q2 is None


def test_targets_show_large_rates_with_thousands_commas(client, ash, commissioner):  # noqa: F811
    from onestory.bcf.domain import targets

    agreement, _ = _plan(ash)
    url = reverse("bcf-targets", args=[agreement.external_id])
    form = {"year": "2025-26", "metric": targets.FALLS, "annual": "2000", "q1": "1500"}
    assert client.post(url, {**form, "q2": "", "q3": "", "q4": ""}).status_code == 302
    for page in (url, reverse("bcf-plan", args=[agreement.external_id])):
        html = client.get(page, {"year": "2025-26"}).content.decode()
        row = html[html.index(f'data-testid="target-{targets.FALLS}"') :]
        row = row[: row.index("</tr>")]
        assert "2,000.0" in row or "1,500.0" in row
        assert "2000" not in row and "1500" not in row


def test_targets_form_sets_a_target_and_trajectory_and_audits(client, ash, commissioner):  # noqa: F811
    agreement, _ = _plan(ash)
    url = reverse("bcf-targets", args=[agreement.external_id])
    assert client.get(url).status_code == 200
    form = {
        "year": "2025-26",
        "metric": "discharge_usual_residence_pct",
        "annual": "92.5",
        "q1": "91",
        "q2": "",
        "q3": "92",
        "q4": "92.5",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    t = Target.objects.get()
    assert (t.annual, t.q1, t.q2, t.q4) == (Decimal("92.5"), Decimal("91"), None, Decimal("92.5"))
    assert _events(commissioner, "bcf.target_set").count() == 1
    response = client.post(url, {**form, "annual": "120"})
    assert response.status_code == 400
    assert "A percentage target cannot be more than 100." in response.content.decode()
    response = client.post(url, {**form, "q2": "soon"})
    assert "Enter the target as a number" in response.content.decode()
    client.force_login(user("analyst"))
    assert client.post(url, {**form, "annual": "50"}).status_code == 403
    assert Target.objects.get().annual == Decimal("92.5")
