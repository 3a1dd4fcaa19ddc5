"""Every budget form submitted through the Django client, as the budget page submits it
(each is one `action` of the person's budget endpoint): valid input (what is stored and
the audit event), invalid input (the error shown, nothing stored) and an unauthorised
member of staff (403, nothing stored). Also the who-pays calculator's inputs."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.budgets import actions
from onestory.budgets.models import (
    Budget,
    BudgetLine,
    DeferredPaymentAgreement,
    DirectPaymentReturn,
    IndicativeBudget,
    LedgerEntry,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

COUNCIL = ("E08000035", "Council", "adult_social_care")
STATEMENT = b"date,description,amount\n2025-04-01,From council,1000.00\n2025-04-20,PA,-300.00\n"


@pytest.fixture
def person():
    return f.rich_person()


@pytest.fixture
def coordinator(person):
    u = f.user("cara", role="care_coordinator", org=f.organisation(*COUNCIL))
    f.care_team(person, u)
    return u


@pytest.fixture
def stranger():
    """A care coordinator at another council, with no relationship to the person."""
    other = f.organisation("E08000036", "Another council", "adult_social_care")
    return f.user("outsider", role="care_coordinator", org=other)


@pytest.fixture
def stream(person, coordinator):
    by = actor_for_user(coordinator)
    budget = actions.create_budget(
        person=person, period_start=date(2025, 4, 1), period_end=date(2026, 4, 1), by=by
    )
    return actions.add_stream(
        budget=budget,
        kind="council",
        held_as="direct_payment",
        allocated_pence=5_000_00,
        funder="Leeds City Council",
        by=by,
    )


@pytest.fixture
def dp_return(stream, coordinator):
    return actions.receive_direct_payment_return(
        stream=stream,
        statement_csv=STATEMENT.decode(),
        period_start=date(2025, 4, 1),
        period_end=date(2025, 6, 30),
        opening_balance_pence=0,
        threshold_pence=200_00,
        by=actor_for_user(coordinator),
    )


def _post(client, person, data):
    return client.post(reverse("person-budget-action", args=[person.external_id]), data)


def _page(client, person) -> str:
    return client.get(reverse("person-budget", args=[person.external_id])).content.decode()


def _audited(person, action: str) -> int:
    return AuditEvent.objects.filter(person_id=str(person.external_id), action=action).count()


def test_budget_page_heading_names_the_person(client, person, coordinator):
    client.force_login(coordinator)
    html = _page(client, person)
    assert '<span data-testid="budget-person">Margaret Oldroyd</span>' in html


# --------------------------------------------------------------------- indicative budget


def test_budget_indicative_form_scores_the_needs_and_audits(client, person, coordinator):
    client.force_login(coordinator)
    response = _post(client, person, {"action": "indicative", "need_personal_care": "2"})
    assert response.status_code == 302
    assert IndicativeBudget.objects.get(person=person).weekly_pence > 0
    assert _audited(person, "budget.indicative") == 1
    assert "Indicative budget:" in _page(client, person)


@pytest.mark.parametrize("level", ["abc", "-1", "99", "9" * 20])
def test_budget_indicative_form_bad_level_shows_error(client, person, coordinator, level):
    client.force_login(coordinator)
    response = _post(client, person, {"action": "indicative", "need_personal_care": level})
    assert response.status_code == 302
    assert 'data-testid="budget-error"' in _page(client, person)
    assert not IndicativeBudget.objects.filter(person=person).exists()


def test_budget_indicative_form_by_stranger_is_403(client, person, stranger):
    client.force_login(stranger)
    response = _post(client, person, {"action": "indicative", "need_personal_care": "2"})
    assert response.status_code == 403
    assert not IndicativeBudget.objects.filter(person=person).exists()


# -------------------------------------------------------------------------- new budget


def test_budget_create_form_creates_the_budget_and_audits(client, person, coordinator):
    client.force_login(coordinator)
    data = {
        "action": "create",
        "period_start-day": "1",
        "period_start-month": "4",
        "period_start-year": "2025",
        "period_end-day": "1",
        "period_end-month": "4",
        "period_end-year": "2026",
    }
    assert _post(client, person, data).status_code == 302
    assert Budget.objects.get(person=person).period_end == date(2026, 4, 1)
    assert _audited(person, "budget.create") == 1


def test_budget_create_form_bad_date_shows_error(client, person, coordinator):
    client.force_login(coordinator)
    _post(client, person, {"action": "create", "period_start-day": "soon", "period_end-day": ""})
    assert "The start date must include a month and year" in _page(client, person)
    assert not Budget.objects.filter(person=person).exists()


def test_budget_create_form_by_stranger_is_403(client, person, stranger):
    client.force_login(stranger)
    data = {
        "action": "create",
        "period_start-day": "1",
        "period_start-month": "4",
        "period_start-year": "2025",
        "period_end-day": "1",
        "period_end-month": "4",
        "period_end-year": "2026",
    }
    assert _post(client, person, data).status_code == 403
    assert not Budget.objects.filter(person=person).exists()


def test_budget_unknown_action_is_404(client, person, coordinator):
    client.force_login(coordinator)
    assert _post(client, person, {"action": "delete-everything"}).status_code == 404


# ------------------------------------------------------------------------------ streams


def _stream_data(budget):
    return {
        "action": "stream",
        "budget": budget.external_id,
        "kind": "chc",
        "held_as": "notional",
        "funder": "NHS ICB",
        "allocated": "1200.50",
    }


def test_budget_stream_form_adds_the_stream_and_audits(client, person, coordinator, stream):
    client.force_login(coordinator)
    assert _post(client, person, _stream_data(stream.budget)).status_code == 302
    added = stream.budget.streams.get(kind="chc")
    assert added.allocated_pence == 1200_50
    assert _audited(person, "budget.add_stream") == 2


def test_budget_stream_form_negative_allocation_shows_error(client, person, coordinator, stream):
    client.force_login(coordinator)
    _post(client, person, {**_stream_data(stream.budget), "allocated": "-5"})
    assert "cannot be negative" in _page(client, person)
    assert not stream.budget.streams.filter(kind="chc").exists()


def test_budget_stream_form_by_stranger_is_403(client, person, stranger, stream):
    client.force_login(stranger)
    assert _post(client, person, _stream_data(stream.budget)).status_code == 403
    assert not stream.budget.streams.filter(kind="chc").exists()


# -------------------------------------------------------------------------------- lines


def _line_data(stream, **kw):
    return {"action": "line", "stream": stream.external_id, "description": "PA", **kw}


def test_budget_line_form_adds_the_line_and_audits(client, person, coordinator, stream):
    client.force_login(coordinator)
    assert _post(client, person, _line_data(stream, planned="600")).status_code == 302
    assert stream.lines.get().planned_pence == 600_00
    assert _audited(person, "budget.add_line") == 1


def test_budget_line_form_without_amount_shows_error(client, person, coordinator, stream):
    client.force_login(coordinator)
    _post(client, person, _line_data(stream, planned="lots"))
    assert "Enter the planned amount in pounds" in _page(client, person)
    assert not stream.lines.exists()


def test_budget_line_form_by_stranger_is_403(client, person, stranger, stream):
    client.force_login(stranger)
    assert _post(client, person, _line_data(stream, planned="600")).status_code == 403
    assert not stream.lines.exists()


# -------------------------------------------------------------------------------- spend


def _spend_data(stream, **kw):
    return {
        "action": "spend",
        "stream": stream.external_id,
        "kind": "payment",
        "amount": "150.25",
        "on-day": "1",
        "on-month": "5",
        "on-year": "2025",
        "description": "May",
        **kw,
    }


def test_budget_spend_form_records_spend_on_a_line_and_audits(client, person, coordinator, stream):
    client.force_login(coordinator)
    line = actions.add_line(
        stream=stream, description="PA", planned_pence=600_00, by=actor_for_user(coordinator)
    )
    assert _post(client, person, _spend_data(stream, line=str(line.pk))).status_code == 302
    entry = LedgerEntry.objects.get(stream=stream, kind="payment")
    assert entry.amount_pence == 150_25 and entry.line == line
    assert _audited(person, "budget.record_spend") == 1


@pytest.mark.parametrize("line", ["abc", "-1", "9" * 20])
def test_budget_spend_form_bad_line_id_shows_error(client, person, coordinator, stream, line):
    client.force_login(coordinator)
    assert _post(client, person, _spend_data(stream, line=line)).status_code == 302
    assert "whole number" in _page(client, person)
    assert not LedgerEntry.objects.filter(stream=stream, kind="payment").exists()


def test_budget_spend_form_zero_amount_shows_error(client, person, coordinator, stream):
    client.force_login(coordinator)
    _post(client, person, _spend_data(stream, amount="0"))
    assert "more than nothing" in _page(client, person)
    assert not LedgerEntry.objects.filter(stream=stream, kind="payment").exists()


def test_budget_spend_form_by_stranger_is_403(client, person, stranger, stream):
    client.force_login(stranger)
    assert _post(client, person, _spend_data(stream)).status_code == 403
    assert not LedgerEntry.objects.filter(stream=stream, kind="payment").exists()


# ------------------------------------------------------------- direct-payment returns


def _return_data(stream, content=STATEMENT):
    return {
        "action": "return",
        "stream": stream.external_id,
        "statement_file": SimpleUploadedFile("statement.csv", content, "text/csv"),
        "period_start-day": "1",
        "period_start-month": "4",
        "period_start-year": "2025",
        "period_end-day": "30",
        "period_end-month": "6",
        "period_end-year": "2025",
        "opening": "0",
        "threshold": "200",
    }


def test_budget_return_form_uploads_and_reconciles_and_audits(client, person, coordinator, stream):
    client.force_login(coordinator)
    assert _post(client, person, _return_data(stream)).status_code == 302
    assert stream.returns.get().closing_balance_pence == 700_00
    assert _audited(person, "budget.direct_payment_return") == 1
    assert "Return reconciled" in _page(client, person)


def test_budget_return_form_unreadable_file_shows_error(client, person, coordinator, stream):
    client.force_login(coordinator)
    _post(client, person, _return_data(stream, b"when,what\n"))
    assert "The statement cannot be read" in _page(client, person)
    assert not stream.returns.exists()


def test_budget_return_form_by_stranger_is_403(client, person, stranger, stream):
    client.force_login(stranger)
    assert _post(client, person, _return_data(stream)).status_code == 403
    assert not stream.returns.exists()


# --------------------------------------------------------------- decide on a return


def test_budget_decide_form_records_the_decision_and_audits(client, person, coordinator, dp_return):
    client.force_login(coordinator)
    data = {"action": "decide", "dp_return": dp_return.pk, "clawback": "500", "reason": "Surplus"}
    assert _post(client, person, data).status_code == 302
    dp_return.refresh_from_db()
    assert dp_return.decision == "clawback" and dp_return.clawback_pence == 500_00
    assert _audited(person, "budget.decide_return") == 1


@pytest.mark.parametrize(
    ("ref", "reason", "error"),
    [
        ("{pk}", "", "Give the reason"),
        ("abc", "Surplus", "whole number"),
        ("9" * 20, "Surplus", "whole number"),
    ],
)
def test_budget_decide_form_bad_input_shows_error(
    client, person, coordinator, dp_return, ref, reason, error
):
    client.force_login(coordinator)
    data = {
        "action": "decide",
        "dp_return": ref.format(pk=dp_return.pk),
        "clawback": "500",
        "reason": reason,
    }
    assert _post(client, person, data).status_code == 302
    assert error in _page(client, person)
    assert not DirectPaymentReturn.objects.filter(pk=dp_return.pk, decision="clawback").exists()


def test_budget_decide_form_by_stranger_is_403(client, person, stranger, dp_return):
    client.force_login(stranger)
    data = {"action": "decide", "dp_return": dp_return.pk, "clawback": "500", "reason": "x"}
    assert _post(client, person, data).status_code == 403
    dp_return.refresh_from_db()
    assert not dp_return.decided_by


# ----------------------------------------------------------- deferred payment agreements


def _deferred_data(**kw):
    return {
        "action": "deferred",
        "start-day": "1",
        "start-month": "4",
        "start-year": "2025",
        "property": "250000",
        "weekly": "300",
        "rate": "4.15",
        **kw,
    }


def test_budget_deferred_form_sets_up_the_agreement_and_audits(client, person, coordinator):
    client.force_login(coordinator)
    assert _post(client, person, _deferred_data()).status_code == 302
    assert DeferredPaymentAgreement.objects.get(person=person).weekly_deferred_pence == 300_00
    assert _audited(person, "budget.deferred_payment_agreement") == 1


def test_budget_deferred_form_bad_rate_shows_error(client, person, coordinator):
    client.force_login(coordinator)
    _post(client, person, _deferred_data(rate="four"))
    assert "Enter the interest rate as a percentage" in _page(client, person)
    assert not DeferredPaymentAgreement.objects.filter(person=person).exists()


def test_budget_deferred_form_by_stranger_is_403(client, person, stranger):
    client.force_login(stranger)
    assert _post(client, person, _deferred_data()).status_code == 403
    assert not DeferredPaymentAgreement.objects.filter(person=person).exists()


# ------------------------------------------------------------------------------ who pays

WHO_PAYS = {
    "capital": "50000",
    "property": "250000",
    "weekly_income": "250",
    "weekly_cost": "1000",
    "setting": "care_home",
    "age": "80",
    "weeks": "520",
}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("weeks", "9" * 20, "Weeks"),
        ("weeks", "-1", "Weeks"),
        ("weeks", "abc", "Weeks"),
        ("age", "9" * 20, "Age"),
        ("age", "17", "Age"),
        ("capital", "lots", "Enter capital in pounds"),
    ],
)
def test_who_pays_form_bad_input_shows_error(client, coordinator, field, value, error):
    client.force_login(coordinator)
    response = client.get(reverse("who-pays"), {**WHO_PAYS, field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html and 'id="who-pays-figure"' not in html


def test_budget_line_model_is_unchanged_by_refused_forms(client, person, stranger, stream):
    """A refused form leaves nothing behind anywhere in the budget."""
    client.force_login(stranger)
    _post(client, person, _line_data(stream, planned="600"))
    _post(client, person, _spend_data(stream))
    assert BudgetLine.objects.count() == 0 and LedgerEntry.objects.count() == 0
