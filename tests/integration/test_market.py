"""The care market's actions and queries against the database: one audited action per
change (ids and labels only), who uses a service now from the linked record as suppressed
counts without opted-out people, the decommissioning impact and its recorded decision, and
pools: shares on each member's budget through the budgets actions, consent, exit."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from onestory.access.models import SecondaryUseOptOut
from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.budgets import queries as budget_queries
from onestory.budgets.models import LedgerEntry
from onestory.market import actions, pool_actions, pool_queries, queries
from onestory.market.domain import pools
from onestory.market.models import ConsentStatus, Contract, MarketDecision
from onestory.planning.models import Plan, PlanStatement
from tests import factories as f
from tests.integration import _market as m
from tests.integration.test_authorisation_matrix_partnership import (
    PRACTICE_A,
    PRACTICE_B,
    _staff,
    _two_partnerships,
)

pytestmark = pytest.mark.django_db


def _opt_out(person):
    SecondaryUseOptOut.objects.create(person=person, opted_out_at=timezone.now(), set_by="t")


def test_create_and_update_provider_service_contract_each_audited_once():
    user = m.commissioner()
    by = actor_for_user(user)
    service = m.service(user)
    contract = actions.create_contract(
        service=service,
        values={
            "reference": "HC-1",
            "kind": "spot",
            "start": date(2026, 4, 1),
            "end": None,
            "flexibility": ["timing", "hours"],
        },
        by=by,
    )
    actions.update_contract(
        contract=contract,
        values={
            "reference": "HC-1",
            "kind": "spot",
            "start": date(2026, 4, 1),
            "end": date(2027, 4, 1),
            "flexibility": ["timing"],
        },
        by=by,
    )
    contract.refresh_from_db()
    assert contract.end == date(2027, 4, 1) and contract.flexibility == ["timing"]
    events = AuditEvent.objects.filter(actor_id=f"user:{user.pk}")
    for action in (
        "market.provider_created",
        "market.service_created",
        "market.contract_created",
        "market.contract_updated",
    ):
        assert events.filter(action=action).count() == 1, action
    (updated,) = events.filter(action="market.contract_updated")
    assert updated.detail["changed"] == ["end", "flexibility"]
    assert updated.person_id == ""


def test_contract_rules_refuse_a_block_contract_that_varies_hours():
    user = m.commissioner()
    service = m.service(user)
    with pytest.raises(ValidationError) as error:
        actions.create_contract(
            service=service,
            values={
                "reference": "B-1",
                "kind": "block",
                "start": date(2026, 4, 1),
                "value_pence": 1000_00,
                "volume": 100,
                "flexibility": ["hours"],
            },
            by=actor_for_user(user),
        )
    assert "fixed volume" in " ".join(error.value.messages)
    assert not Contract.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "care_coordinator", "gp"])
def test_market_actions_need_manage_market(role):
    user = f.user(role=role, org=f.organisation(*m.ICB))
    with pytest.raises(PermissionDenied):
        actions.create_provider(values={"name": "X"}, by=actor_for_user(user))


def test_service_vacancies_cannot_exceed_places():
    user = m.commissioner()
    with pytest.raises(ValidationError, match="more vacancies than places"):
        m.service(user, capacity=5, vacancies=6)


def test_users_now_counts_linked_people_with_an_open_matching_service_suppressed():
    user = m.commissioner()
    service = m.service(user)
    m.service_users(9)
    m.service_users(3, end=timezone.localdate() - timedelta(days=1))  # ended
    m.service_users(4, component="Day care")  # another service
    m.service_users(5, org="E08000999")  # another council's home care
    opted = m.service_users(1)
    _opt_out(opted[0])
    page = queries.service(service.external_id, by=actor_for_user(user))
    assert page.users == 9  # the opted-out tenth person is not counted


def test_users_now_small_count_is_suppressed_everywhere():
    user = m.commissioner()
    service = m.service(user)
    m.service_users(3)
    by = actor_for_user(user)
    assert queries.service(service.external_id, by=by).users is None
    (row,) = queries.market(by=by).services
    assert row.users is None
    (exported,) = queries.services_export(by=by)
    assert exported["people_using_now"] is None


def test_decommission_impact_counts_reasons_and_plan_themes_then_records_the_decision():
    user = m.commissioner()
    by = actor_for_user(user)
    service = m.service(user)
    physical = m.service_users(10, reason="Physical Support")
    m.service_users(2, reason="Memory and Cognition")
    for person in physical[:9]:
        plan = Plan.objects.create(person=person)
        PlanStatement.objects.create(
            plan=plan,
            section="goals",
            text="Get washed and dressed, then go to the club",
            written_by_kind="person",
            written_by_label="The person",
        )
    result = queries.decommission_impact(service.external_id, by=by)
    impact = result["impact"]
    assert impact.people == 12
    # 10 and 2 with the total shown: the 2 is hidden, and so the 10 (secondary).
    assert {r.label: r.people for r in impact.reasons} == {
        "Physical Support": None,
        "Memory and Cognition": None,
    }
    assert {r.label: r.people for r in impact.themes} == {
        "Personal care": 9,
        "Getting out and seeing people": 9,
    }
    # 9 with a plan, 3 without: the 3 is hidden, so the 9 too (the total of 12 shows).
    assert (impact.with_plan, impact.without_plan) == (None, None)
    previewed = AuditEvent.objects.get(action="market.decommission_previewed")
    assert previewed.detail["people_shown"] == 12
    contract = actions.create_contract(
        service=service,
        values={"reference": "HC-1", "kind": "spot", "start": date(2025, 4, 1)},
        by=by,
    )
    actions.decommission_service(
        service=service,
        effective_on=date(2026, 12, 31),
        reason="Merged into the new home support framework",
        impact_shown=result["shown"],
        by=by,
    )
    service.refresh_from_db()
    contract.refresh_from_db()
    assert not service.active and contract.end == date(2026, 12, 31)
    decision = MarketDecision.objects.get()
    assert decision.impact_shown["people"] == 12
    assert decision.impact_shown["reasons"] == [
        ["Physical Support", None],
        ["Memory and Cognition", None],
    ]
    with pytest.raises(ValidationError, match="already been decommissioned"):
        actions.decommission_service(
            service=service, effective_on=date(2027, 1, 1), reason="again", impact_shown={}, by=by
        )
    assert AuditEvent.objects.filter(action="market.service_decommissioned").count() == 1


def test_decommission_impact_of_a_few_people_shows_only_fewer_than_eight():
    user = m.commissioner()
    service = m.service(user)
    m.service_users(4)
    result = queries.decommission_impact(service.external_id, by=actor_for_user(user))
    assert result["shown"]["people"] is None
    assert result["shown"]["reasons"] == [] and result["shown"]["themes"] == []


# --- pools


def _pool(coordinator_user, service, *, cost=80_00, start=None):
    return pool_actions.create_pool(
        name="Thursday allotment group",
        service=service,
        period=pools.WEEK,
        cost_pence=cost,
        start=start or timezone.localdate(),
        by=actor_for_user(coordinator_user),
    )


def test_pool_member_share_is_a_committed_line_on_their_own_budget_page():
    cc = m.coordinator()
    by = actor_for_user(cc)
    pool = _pool(cc, m.service(m.commissioner(), record_code=""))
    person, stream = m.budget_person(cc)
    member = pool_actions.add_member(
        pool=pool,
        stream=stream,
        share_pence=40_00,
        start=pool.start,
        consent_by="on_behalf",
        agreement="Said yes at her review today, with her daughter there",
        by=by,
    )
    assert member.consent == ConsentStatus.GIVEN
    budget_end = stream.budget.period_end
    expected = pools.committed(40_00, pool.start, pools.WEEK, pool.start, None, budget_end)
    assert member.line.planned_pence == expected > 0
    entry = LedgerEntry.objects.get(line=member.line)
    assert entry.kind == "planned" and entry.amount_pence == expected
    (view,) = budget_queries.budgets_for(person, by=by)
    (stream_view,) = view.streams
    assert stream_view.balance.planned == expected
    assert "Pooled with others: Thursday allotment group" in stream_view.lines[0].line.description
    events = AuditEvent.objects.filter(person_id=str(person.external_id))
    assert events.filter(action="market.pool_member_added").count() == 1
    assert events.filter(action="market.pool_consent_recorded").count() == 1
    assert events.filter(action="budget.add_line").count() == 1


def test_pool_member_exit_stops_the_share_and_lowers_the_line():
    cc = m.coordinator()
    by = actor_for_user(cc)
    start = timezone.localdate()
    pool = _pool(cc, m.service(m.commissioner(), record_code=""), start=start)
    person, stream = m.budget_person(cc)
    member = pool_actions.add_member(
        pool=pool, stream=stream, share_pence=40_00, start=start, consent_by="person", by=by
    )
    leave = start + timedelta(weeks=3)
    pool_actions.exit_member(member=member, on=leave, reason="Moving away", by=by)
    member.refresh_from_db()
    assert member.end == leave
    member.line.refresh_from_db()
    assert member.line.planned_pence == 3 * 40_00
    assert LedgerEntry.objects.get(line=member.line).amount_pence == 3 * 40_00
    assert "stopped from" in member.line.description
    revised = AuditEvent.objects.get(action="budget.revise_line")
    assert revised.detail["planned_pence"] == 120_00
    with pytest.raises(ValidationError, match="already left"):
        pool_actions.exit_member(member=member, on=leave, reason="again", by=by)


def test_pool_member_without_consent_commits_nothing_and_a_decline_is_kept():
    cc = m.coordinator()
    by = actor_for_user(cc)
    pool = _pool(cc, m.service(m.commissioner(), record_code=""))
    person, stream = m.budget_person(cc)
    member = pool_actions.add_member(
        pool=pool, stream=stream, share_pence=40_00, start=pool.start, by=by
    )
    assert member.consent == ConsentStatus.PENDING and member.line is None
    assert not LedgerEntry.objects.exists()
    pool_actions.record_consent(
        member=member, given_by="person", agreement="Does not want to", decline=True, by=by
    )
    member.refresh_from_db()
    assert member.consent == ConsentStatus.DECLINED and member.end == member.start
    assert not LedgerEntry.objects.exists()
    # Declining does not stop the person being asked again later.
    again = pool_actions.add_member(
        pool=pool, stream=stream, share_pence=30_00, start=pool.start, by=by
    )
    assert again.pk != member.pk


def test_pool_consent_on_behalf_needs_the_persons_stated_agreement():
    cc = m.coordinator()
    pool = _pool(cc, m.service(m.commissioner(), record_code=""))
    _, stream = m.budget_person(cc)
    with pytest.raises(ValidationError, match="stated agreement"):
        pool_actions.add_member(
            pool=pool,
            stream=stream,
            share_pence=40_00,
            start=pool.start,
            consent_by="on_behalf",
            agreement="ok",
            by=actor_for_user(cc),
        )
    # The whole change is undone: no member, no line.
    assert not pool.members.exists() and not LedgerEntry.objects.exists()


@pytest.mark.parametrize("refused", [False, True])
def test_pool_member_the_user_may_not_see_cannot_be_added(refused):
    cc = m.coordinator()
    pool = _pool(cc, m.service(m.commissioner(), record_code=""))
    person, stream = m.budget_person(cc, related=refused)
    if refused:
        f.sharing_choice(person, cc.staff.organisation)
    with pytest.raises(PermissionDenied):
        pool_actions.add_member(
            pool=pool,
            stream=stream,
            share_pence=40_00,
            start=pool.start,
            consent_by="person",
            by=actor_for_user(cc),
        )
    assert not pool.members.exists()
    denied = AuditEvent.objects.get(action="record.denied", person_id=str(person.external_id))
    assert denied.detail == {
        "attempted": "market.pool_member_added",
        "reason": "refused_by_person" if refused else "no_legitimate_relationship",
    }


def test_pool_page_withholds_members_the_reader_may_not_see_and_the_total():
    cc = m.coordinator()
    other = m.coordinator("cc2")
    pool = _pool(cc, m.service(m.commissioner(), record_code=""))
    for family, user in (("Oldroyd", cc), ("Pickles", other)):
        _, stream = m.budget_person(user, family=family)
        pool_actions.add_member(
            pool=pool,
            stream=stream,
            share_pence=40_00,
            start=pool.start,
            consent_by="person",
            by=actor_for_user(user),
        )
    view = pool_queries.pool(pool.external_id, by=actor_for_user(cc))
    assert [r.name for r in view.members] == ["Margaret Oldroyd"]
    assert view.withheld == 1 and view.balance is None
    both = f.user("lead", role="care_coordinator", org=f.organisation(*m.COUNCIL))
    for member in pool.members.all():
        f.care_team(member.person, both)
    view = pool_queries.pool(pool.external_id, by=actor_for_user(both))
    assert view.withheld == 0 and view.balance == pools.PoolBalance(80_00, 80_00, 0, 0)
    event = AuditEvent.objects.filter(action="market.pool_viewed").first()
    assert event.detail["withheld"] == 1 and event.person_id == ""


def test_pool_stream_choices_list_only_people_whose_budget_the_reader_holds():
    cc = m.coordinator()
    m.budget_person(cc, family="Oldroyd")
    m.budget_person(cc, family="Hidden", related=False)
    choices = pool_queries.stream_choices(by=actor_for_user(cc))
    assert [c.name for c in choices] == ["Margaret Oldroyd"]


def _paying_members(cc, pool, n: int) -> list:
    """`n` people whose budgets each pay £10 a week into the pool, with their consent."""
    people = []
    for i in range(n):
        person, stream = m.budget_person(cc, family=f"Member{i}")
        people.append(person)
        pool_actions.add_member(
            pool=pool,
            stream=stream,
            share_pence=10_00,
            start=pool.start,
            consent_by="person",
            by=actor_for_user(cc),
        )
    return people


def test_pool_aggregates_for_commissioners_suppress_people_and_value():
    cc = m.coordinator()
    pool = _pool(cc, m.service(m.commissioner(), record_code="", service_type="micro_enterprise"))
    people = _paying_members(cc, pool, 9)
    by = actor_for_user(m.commissioner("c2"))
    result = pool_queries.aggregates(by=by)
    assert (result.pools, result.people, result.value_per_year) == (1, 9, 9 * 10_00 * 52)
    assert result.by_type == (("Micro-enterprise", 1, 9, 9 * 10_00 * 52),)
    _opt_out(people[0])
    _opt_out(people[1])
    result = pool_queries.aggregates(by=by)
    assert (result.people, result.value_per_year) == (None, None)
    assert result.by_type == (("Micro-enterprise", 1, None, None),)
    with pytest.raises(PermissionDenied):
        pool_queries.pools_list(by=by)  # commissioners see aggregates only


def test_market_query_count_does_not_grow_with_services_or_users():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = m.commissioner()
    by = actor_for_user(user)
    m.service(user)
    m.service_users(3)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            queries.market(by=by)
            pool_queries.aggregates(by=by)
        return len(ctx.captured_queries)

    before = count()
    for i in range(4):
        service = m.service(user, record_code="Day care", name=f"Day {i}")
        actions.create_contract(
            service=service,
            values={"reference": f"D{i}", "kind": "spot", "start": date(2026, 4, 1)},
            by=by,
        )
    m.service_users(12, component="Day care")
    assert count() == before


def test_budget_revise_line_needs_access_to_the_persons_budget():
    from onestory.budgets import actions as budgets

    cc = m.coordinator()
    _, stream = m.budget_person(cc)
    line = budgets.add_line(
        stream=stream, description="Shared", planned_pence=100_00, by=actor_for_user(cc)
    )
    stranger = m.coordinator("stranger")
    with pytest.raises(PermissionDenied):
        budgets.revise_line(
            line=line, planned_pence=0, description="Shared", by=actor_for_user(stranger)
        )
    line.refresh_from_db()
    assert line.planned_pence == 100_00


def test_pool_page_warns_when_its_service_is_decommissioned(client):
    cc = m.coordinator()
    keeper = m.commissioner()
    service = m.service(keeper, record_code="")
    pool = _pool(cc, service)
    client.force_login(cc)
    url = f"/market/pools/{pool.external_id}/"
    assert "pool-service-decommissioned" not in client.get(url).content.decode()
    actions.decommission_service(
        service=service,
        effective_on=date(2027, 3, 31),
        reason="Provider closing",
        impact_shown={},
        by=actor_for_user(keeper),
    )
    body = client.get(url).content.decode()
    assert "pool-service-decommissioned" in body and "31 March 2027" in body


def test_pool_member_cannot_start_after_the_service_ends():
    cc = m.coordinator()
    keeper = m.commissioner()
    service = m.service(keeper, record_code="")
    pool = _pool(cc, service)
    actions.decommission_service(
        service=service,
        effective_on=pool.start,
        reason="Provider closing",
        impact_shown={},
        by=actor_for_user(keeper),
    )
    _, stream = m.budget_person(cc)
    with pytest.raises(ValidationError, match="ends before"):
        pool_actions.add_member(
            pool=pool, stream=stream, share_pence=40_00, start=pool.start, by=actor_for_user(cc)
        )


def _registered(person, practice: str) -> None:
    """The person registered with a GP practice, which makes them its partnership's."""
    f.link(f.source_record(f.source_system("gp", practice, "Surgery")), person)


def _commissioner_of(partnership):
    return actor_for_user(_staff("commissioner", partnership, partnership.code))


def test_users_now_counts_only_the_commissioners_own_partnerships_people():
    parts = _two_partnerships()
    everyone = m.commissioner()  # the ICB, bound to no partnership: the whole installation
    service = m.service(everyone)
    for i, person in enumerate(m.service_users(20)):
        _registered(person, PRACTICE_A if i < 12 else PRACTICE_B)
    a, b = _commissioner_of(parts["PA"]), _commissioner_of(parts["PB"])
    assert queries.service(service.external_id, by=actor_for_user(everyone)).users == 20
    assert queries.service(service.external_id, by=a).users == 12
    assert queries.service(service.external_id, by=b).users == 8
    (row,) = queries.market(by=a).services
    assert row.users == 12
    (exported,) = queries.services_export(by=b)
    assert exported["people_using_now"] == 8
    assert queries.decommission_impact(service.external_id, by=a)["impact"].people == 12


def test_pool_aggregates_count_only_the_commissioners_own_partnerships_members():
    parts = _two_partnerships()
    cc = m.coordinator()
    pool = _pool(cc, m.service(m.commissioner(), record_code="", service_type="micro_enterprise"))
    for i, person in enumerate(_paying_members(cc, pool, 18)):
        _registered(person, PRACTICE_A if i < 11 else PRACTICE_B)
    everyone = pool_queries.aggregates(by=actor_for_user(m.commissioner("c2")))
    assert (everyone.people, everyone.value_per_year) == (18, 18 * 10_00 * 52)
    a = pool_queries.aggregates(by=_commissioner_of(parts["PA"]))
    assert (a.pools, a.people, a.value_per_year) == (1, 11, 11 * 10_00 * 52)
    b = pool_queries.aggregates(by=_commissioner_of(parts["PB"]))
    assert (b.people, b.value_per_year) == (None, None)  # 7: suppressed, and its value with it
