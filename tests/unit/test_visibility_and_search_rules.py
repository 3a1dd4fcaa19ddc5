"""The category rule for naming services (one place for the care team, who is involved,
search and exports), what a search shows without a relationship (ADR 0011), and the
misspelt-name matching search uses."""

import pytest

from onestory.access.domain.visibility import (
    HIDDEN,
    IDENTITY_ONLY,
    NOT_SHARED_WITH_YOU,
    PERSON_CHOSE,
    ROLE_DOES_NOT_SEE,
    WITH_ACCESS,
    care_team_member_category,
    may_name,
    may_name_care_team_member,
    may_name_source,
    search_standing,
    withheld_categories,
)
from onestory.record.domain.search import (
    NAME_MATCH_THRESHOLD,
    jaro_winkler,
    name_block_prefixes,
    name_score,
    parse_search,
)

HOUSING = frozenset({"demographics", "housing"})
NURSE = frozenset({"demographics", "clinical", "mental_health", "housing"})


def test_may_name_hides_only_sensitive_categories_not_seen():
    assert may_name("clinical", HOUSING)  # that a GP holds a record is not sensitive
    assert not may_name("mental_health", HOUSING)
    assert may_name("mental_health", NURSE)
    assert not may_name("mental_health", NURSE - {"mental_health"})  # the person refused


def test_care_team_member_category_takes_the_sensitive_of_role_and_organisation():
    assert care_team_member_category("mental_health_trust", "nurse") == "mental_health"
    assert care_team_member_category("community_provider", "mental_health_worker") == (
        "mental_health"
    )
    assert care_team_member_category("gp_practice", "gp") == "clinical"
    assert not may_name_care_team_member("mental_health_trust", "", HOUSING)
    assert may_name_care_team_member("housing", "housing_officer", HOUSING)


def test_may_name_source_uses_the_source_kind_category():
    assert not may_name_source("mental_health", HOUSING)
    assert may_name_source("gp", HOUSING) and may_name_source("housing", HOUSING)


def test_withheld_categories_give_the_reason_and_depend_only_on_the_decision():
    out = {w.category: w.reason for w in withheld_categories(NURSE, NURSE - {"mental_health"})}
    assert out["mental_health"] == PERSON_CHOSE
    assert out["finance"] == ROLE_DOES_NOT_SEE
    assert "clinical" not in out


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"has_access": True}, WITH_ACCESS),
        ({"precise": True}, IDENTITY_ONLY),
        ({}, HIDDEN),  # a surname or postcode sweep lists no one unrelated
        ({"precise": True, "may_join_or_break_glass": False}, HIDDEN),
        ({"precise": True, "refused_by_person": True}, NOT_SHARED_WITH_YOU),
        ({"refused_by_person": True, "has_access": True}, HIDDEN),
        ({"precise": True, "needs_explicit_allow": True}, HIDDEN),
        ({"precise": True, "needs_explicit_allow": True, "allowed_by_person": True}, IDENTITY_ONLY),
        (
            {"needs_explicit_allow": True, "allowed_by_person": True, "has_access": True},
            WITH_ACCESS,
        ),
    ],
)
def test_search_standing(facts, expected):
    base = {
        "has_access": False,
        "refused_by_person": False,
        "needs_explicit_allow": False,
        "allowed_by_person": False,
        "may_join_or_break_glass": True,
        "precise": False,
    }
    assert search_standing(**(base | facts)) == expected


def test_precise_queries_are_an_nhs_number_or_a_name_with_a_full_date_of_birth():
    assert parse_search(nhs_number="9434765919").precise
    assert parse_search(name="Joyce Cook", dob="02/03/1941").precise
    assert not parse_search(name="Cook").precise
    assert not parse_search(postcode="LS2 5ZN").precise
    assert not parse_search(name="Cook", postcode="LS2 5ZN").precise
    assert not parse_search(dob="02/03/1941").precise


def test_jaro_winkler_known_values():
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=0.001)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.813, abs=0.001)
    assert jaro_winkler("abc", "abc") == 1.0 and jaro_winkler("abc", "xyz") == 0.0
    assert jaro_winkler("", "") == 0.0


def test_name_score_tolerates_typos_and_nicknames_but_not_other_names():
    assert name_score(("joyse", "cook"), "joyce", "cook") >= NAME_MATCH_THRESHOLD
    assert name_score(("cook", "joyse"), "joyce", "cook") >= NAME_MATCH_THRESHOLD
    assert name_score(("bill", "smith"), "william", "smith") == 1.0
    assert name_score(("ann", "smi"), "anne", "smith") == 1.0
    assert name_score(("jack", "cole"), "joyce", "cook") < NAME_MATCH_THRESHOLD
    assert name_score((), "joyce", "cook") == 1.0


def test_name_block_prefixes_cover_either_order():
    assert name_block_prefixes(("joyse", "cook")) == [("j", "c"), ("c", "j")]
    assert name_block_prefixes(("cook",)) == [("co", ""), ("", "co")]
