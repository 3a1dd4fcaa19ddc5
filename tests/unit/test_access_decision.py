"""The pure access rule: roles, relationships and the person's choices, no database."""

from datetime import date

import pytest

from onestory.access.domain.decision import (
    AccessFacts,
    decide_from,
    episode_is_open,
    refused_categories,
)
from onestory.access.domain.roles import ROLES, Permission
from onestory.sources.domain.facts import CATEGORIES, SENSITIVE_CATEGORIES

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize("basis", ["care_team", "open_episode", "break_glass"])
def test_decision_a_gp_with_any_relationship_sees_their_categories(basis):
    decision = decide_from(AccessFacts(role="gp", **{basis: True}))
    assert decision.allowed and decision.basis == basis
    assert {"clinical", "mental_health", "sexual_health"} <= decision.categories


def test_decision_without_relationship_is_refused():
    decision = decide_from(AccessFacts(role="social_worker"))
    assert not decision.allowed and decision.reason == "no_legitimate_relationship"
    assert not decision.refused_by_person


def test_decision_refusal_of_the_organisation_blocks_break_glass_too():
    decision = decide_from(
        AccessFacts(role="gp", care_team=True, break_glass=True, organisation_refused=True)
    )
    assert not decision.allowed and decision.refused_by_person
    assert decision.categories == frozenset()


def test_decision_housing_officer_never_sees_a_diagnosis():
    decision = decide_from(AccessFacts(role="housing_officer", care_team=True))
    assert decision.categories == {"demographics", "housing"}


def test_decision_voluntary_worker_needs_the_persons_explicit_allow():
    without = decide_from(AccessFacts(role="voluntary_worker", care_team=True))
    assert not without.allowed and without.reason == "not_shared_with_organisation"
    allowed = decide_from(
        AccessFacts(role="voluntary_worker", care_team=True, organisation_allowed=True)
    )
    assert allowed.allowed and allowed.categories == {"demographics", "voluntary"}


def test_decision_refused_sensitive_category_is_taken_away():
    decision = decide_from(
        AccessFacts(role="gp", care_team=True, refused_categories=frozenset({"mental_health"}))
    )
    assert decision.allowed and "mental_health" not in decision.categories
    assert "clinical" in decision.categories


@pytest.mark.parametrize("role", ["commissioner", "analyst", "privacy_lead", "administrator"])
def test_decision_roles_without_record_access_are_refused_even_in_the_care_team(role):
    decision = decide_from(AccessFacts(role=role, care_team=True, break_glass=True))
    assert not decision.allowed and decision.reason == "role_has_no_record_access"


def test_decision_person_and_representative_see_everything_of_their_own_record_only():
    own = decide_from(AccessFacts(role="person", own_record=True))
    assert own.allowed and own.basis == "own_record" and own.categories == set(CATEGORIES)
    rep = decide_from(AccessFacts(role="representative", representative=True))
    assert rep.allowed and rep.basis == "representative"
    assert not decide_from(AccessFacts(role="person")).allowed


def test_decision_unknown_role_is_refused():
    assert not decide_from(AccessFacts(role="wizard", care_team=True)).allowed


def test_refused_categories_organisation_choice_beats_everyone_choice():
    choices = [
        (None, "mental_health", "refuse"),
        (None, "sexual_health", "refuse"),
        ("B86001", "mental_health", "allow"),
        ("OTHER", "safeguarding", "refuse"),
        ("B86001", "", "allow"),
    ]
    assert refused_categories(choices, "B86001") == {"sexual_health"}
    assert refused_categories(choices, "OTHER") == {
        "mental_health",
        "sexual_health",
        "safeguarding",
    }


def test_refused_categories_ignores_categories_that_are_not_sensitive():
    assert refused_categories([(None, "housing", "refuse")], "X") == frozenset()


@pytest.mark.parametrize(
    ("kind", "end", "status", "open_"),
    [
        ("referral", None, "open", True),
        ("referral", None, "closed", False),
        ("service", date(2026, 12, 1), "", True),
        ("service", date(2026, 1, 1), "", False),
        ("tenancy", None, "", True),
        ("child_protection_plan", None, "open", True),
        ("encounter", None, "", False),
        ("referral", None, "declined", False),
    ],
)
def test_episode_is_open(kind, end, status, open_):
    assert episode_is_open(kind, end, status, TODAY) is open_


def test_roles_list_categories_only_from_the_known_set():
    for role in ROLES.values():
        assert role.categories <= set(CATEGORIES)
        if not role.has(Permission.VIEW_RECORD):
            assert role.categories == frozenset()


def test_sensitive_categories_are_the_three_the_person_may_refuse():
    assert SENSITIVE_CATEGORIES == {"mental_health", "sexual_health", "safeguarding"}


def test_social_worker_sees_conditions_but_not_sexual_or_mental_health():
    cats = ROLES["social_worker"].categories
    assert "clinical" in cats and "safeguarding" in cats
    assert "sexual_health" not in cats and "mental_health" not in cats


def test_child_protection_plan_rows_are_safeguarding(tmp_path):
    from tests.unit.test_adapters import CHILD, read, write_csv

    rows = [CHILD, CHILD | {"record_id": "CPP1", "record_type": "CPP"}]
    parsed = read(write_csv(tmp_path, "childrens_services.csv", rows))
    assert [(p.events[0].kind, p.events[0].category) for p in parsed] == [
        ("child_in_need", "children"),
        ("child_protection_plan", "safeguarding"),
    ]


def test_review_routing_goes_to_the_partnership_when_the_organisation_has_no_lead():
    from onestory.access.domain.review import may_review, routed_to

    leads = {"GP1"}
    assert routed_to("GP1", leads) == "organisation"
    assert routed_to("NURSES", leads) == "partnership"
    assert may_review("GP1", "NURSES", leads)  # nobody at NURSES: any privacy lead
    assert may_review("GP1", "GP1", leads)
    assert not may_review("HOSP", "GP1", leads | {"HOSP"})  # GP1 has its own lead
    assert may_review("HOSP", "GP1", leads | {"HOSP"}, overdue=True)  # escalated


def test_review_is_overdue_after_72_hours_unreviewed():
    from datetime import UTC, datetime, timedelta

    from onestory.access.domain.review import is_overdue

    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert not is_overdue(now - timedelta(hours=71), False, now)
    assert is_overdue(now - timedelta(hours=72), False, now)
    assert not is_overdue(now - timedelta(hours=100), True, now)
