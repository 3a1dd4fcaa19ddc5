"""Budget actions and queries: access through decide() (finance), audit in the same
transaction, balances, direct-payment returns with a recorded decision."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.budgets import actions, queries
from onestory.budgets.models import LedgerEntry
from tests import factories as f

pytestmark = pytest.mark.django_db

COUNCIL = "E08000035"


@pytest.fixture
def person():
    return f.person()


@pytest.fixture
def coordinator(person):
    u = f.user(role="care_coordinator", org=f.organisation(COUNCIL, "Council", "adult_social_care"))
    f.care_team(person, u)
    return actor_for_user(u)


@pytest.fixture
def budget(person, coordinator):
    return actions.create_budget(
        person=person,
        period_start=date(2025, 4, 1),
        period_end=date(2026, 4, 1),
        by=coordinator,
    )


def _stream(budget, by, **kw):
    args = {
        "kind": "council",
        "held_as": "direct_payment",
        "allocated_pence": 10_000_00,
        "funder": "Leeds City Council",
    }
    return actions.add_stream(budget=budget, **{**args, **kw}, by=by)


def test_budget_streams_balance_per_stream(budget, coordinator, person):
    nhs = _stream(
        budget,
        coordinator,
        kind="chc",
        funder="NHS West Yorkshire ICB",
        held_as="notional",
        allocated_pence=20_000_00,
    )
    council = _stream(budget, coordinator)
    line = actions.add_line(
        stream=council,
        description="Personal assistant",
        planned_pence=6_000_00,
        goal_ref="g-1",
        goal_text="I want to go swimming each week",
        by=coordinator,
    )
    actions.record_spend(
        stream=council,
        kind="payment",
        amount_pence=500_00,
        on=date(2025, 5, 1),
        description="PA wages",
        line=line,
        by=coordinator,
    )
    actions.record_spend(
        stream=nhs,
        kind="invoice",
        amount_pence=1_250_00,
        on=date(2025, 5, 2),
        description="Nursing",
        by=coordinator,
    )
    [view] = queries.budgets_for(person, by=coordinator, today=date(2025, 6, 1))
    balances = {s.stream.kind: s.balance for s in view.streams}
    assert balances["council"].available == 9_500_00
    assert balances["chc"].available == 18_750_00
    assert view.available == 28_250_00
    council_view = next(s for s in view.streams if s.stream.kind == "council")
    assert council_view.lines[0].spent == 500_00
    assert council_view.lines[0].line.goal_text == "I want to go swimming each week"


def test_budget_actions_are_audited(budget, coordinator, person):
    _stream(budget, coordinator)
    actions_logged = set(
        AuditEvent.objects.filter(person_id=str(person.external_id)).values_list(
            "action", flat=True
        )
    )
    assert {"budget.create", "budget.add_stream"} <= actions_logged


def test_budget_read_is_audited(budget, coordinator, person):
    queries.budgets_for(person, by=coordinator)
    assert AuditEvent.objects.filter(
        action="budget.view", person_id=str(person.external_id)
    ).exists()


def test_budget_refused_to_gp_without_finance_category(person):
    gp = f.user(role="gp", org=f.organisation("B86001", "Surgery", "gp_practice"))
    f.care_team(person, gp)
    with pytest.raises(PermissionDenied):
        queries.budgets_for(person, by=actor_for_user(gp))
    with pytest.raises(PermissionDenied):
        actions.create_budget(
            person=person,
            period_start=date(2025, 4, 1),
            period_end=date(2026, 4, 1),
            by=actor_for_user(gp),
        )
    assert AuditEvent.objects.filter(action="budget.denied").exists()


def test_budget_refused_to_coordinator_without_relationship(person):
    stranger = f.user(
        role="care_coordinator", org=f.organisation(COUNCIL, "Council", "adult_social_care")
    )
    with pytest.raises(PermissionDenied):
        queries.budgets_for(person, by=actor_for_user(stranger))


def test_person_sees_their_own_budget(budget, coordinator, person):
    _stream(budget, coordinator)
    me = actor_for_user(f.person_user(person))
    [view] = queries.budgets_for(person, by=me)
    assert view.allocated == 10_000_00
    with pytest.raises(PermissionDenied):
        actions.create_budget(
            person=person, period_start=date(2026, 4, 1), period_end=date(2027, 4, 1), by=me
        )


def test_third_party_stream_must_name_the_organisation(budget, coordinator):
    with pytest.raises(ValidationError):
        _stream(budget, coordinator, held_as="third_party")
    stream = _stream(
        budget, coordinator, held_as="third_party", managed_by="Leeds Independent Living"
    )
    assert stream.managed_by == "Leeds Independent Living"


STATEMENT = (
    "date,description,amount\n2025-04-01,From council,1000.00\n2025-04-20,PA wages,-300.00\n"
)


def test_direct_payment_return_clawback_decision_recorded(budget, coordinator, person):
    stream = _stream(budget, coordinator)
    actions.record_spend(
        stream=stream,
        kind="payment",
        amount_pence=1_000_00,
        on=date(2025, 4, 1),
        description="Into the account",
        by=coordinator,
    )
    dp_return = actions.receive_direct_payment_return(
        stream=stream,
        statement_csv=STATEMENT,
        period_start=date(2025, 4, 1),
        period_end=date(2025, 6, 30),
        opening_balance_pence=0,
        threshold_pence=200_00,
        by=coordinator,
    )
    # closing 1,000 − 300 = 700; above the £200 threshold: 500
    assert dp_return.closing_balance_pence == 700_00
    assert dp_return.proposed_clawback_pence == 500_00
    assert dp_return.recorded_payments_in_pence == 1_000_00
    with pytest.raises(ValidationError):
        actions.decide_direct_payment_return(
            dp_return=dp_return, clawback_pence=600_00, reason="too much", by=coordinator
        )
    decided = actions.decide_direct_payment_return(
        dp_return=dp_return,
        clawback_pence=500_00,
        reason="Surplus above four weeks",
        by=coordinator,
    )
    assert decided.decision == "clawback"
    assert decided.decided_by == coordinator.label
    assert LedgerEntry.objects.get(stream=stream, kind="clawback").amount_pence == 500_00
    [view] = queries.budgets_for(person, by=coordinator)
    # allocation 10,000 − clawback 500 − spent 1,000 = 8,500
    assert view.streams[0].balance.available == 8_500_00
    with pytest.raises(ValidationError):
        actions.decide_direct_payment_return(
            dp_return=dp_return, clawback_pence=0, reason="again", by=coordinator
        )


def test_direct_payment_return_bad_statement_is_refused(budget, coordinator):
    stream = _stream(budget, coordinator)
    with pytest.raises(ValidationError, match="cannot be read"):
        actions.receive_direct_payment_return(
            stream=stream,
            statement_csv="when,what\n",
            period_start=date(2025, 4, 1),
            period_end=date(2025, 6, 30),
            opening_balance_pence=0,
            threshold_pence=0,
            by=coordinator,
        )


def test_indicative_budget_uses_council_table(person, coordinator):
    row = actions.calculate_indicative_budget(
        person=person, answers={"personal_care": 2, "carer": 2}, by=coordinator
    )
    # 7 + 10 = 17 points × £7.50 = £127.50 a week
    assert row.weekly_pence == 127_50
    assert row.lines[0] == ["Personal care", "Substantial help", 7]


def test_deferred_payment_agreement_equity_limit_and_interest(person, coordinator):
    actions.create_deferred_payment_agreement(
        person=person,
        start=date(2025, 4, 1),
        property_value_pence=200_000_00,
        weekly_deferred_pence=500_00,
        annual_interest_rate=Decimal("0.052"),
        by=coordinator,
    )
    [view] = queries.deferred_payments_for(person, by=coordinator, today=date(2025, 4, 15))
    # two weeks: 500, then interest 500 × 0.052 / 52 = 0.50, then 500 → 1,000.50
    assert view.statement.balance == 1_000_50
    assert view.statement.equity_limit == 165_750_00
