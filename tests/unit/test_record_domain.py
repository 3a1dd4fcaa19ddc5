"""Pure rules of the integrated record: search parsing and summary rules."""

from datetime import UTC, date, datetime

import pytest

from onestory.record.domain import summary as rules
from onestory.record.domain.labels import kind_label, relationship_label
from onestory.record.domain.search import SearchQueryError, parse_search


@pytest.mark.parametrize("text", ["31/03/1950", "1950-03-31", " 31/03/1950 "])
def test_parse_search_dob_accepts_uk_and_iso(text):
    assert parse_search(dob=text).date_of_birth == date(1950, 3, 31)


@pytest.mark.parametrize("text", ["31-03-1950", "1950/03/31", "31/13/1950", "yesterday"])
def test_parse_search_dob_rejects_other_formats(text):
    with pytest.raises(SearchQueryError) as err:
        parse_search(dob=text)
    assert set(err.value.errors) == {"dob"}


def test_parse_search_dob_in_future_is_an_error():
    with pytest.raises(SearchQueryError):
        parse_search(dob="01/01/2999")


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919"])
def test_parse_search_nhs_number_with_or_without_spaces(text):
    assert parse_search(nhs_number=text).nhs_number == "9434765919"


@pytest.mark.parametrize(
    "text, message", [("12345", "10 digits"), ("9434765918", "not a valid NHS number")]
)
def test_parse_search_bad_nhs_number_says_why(text, message):
    with pytest.raises(SearchQueryError) as err:
        parse_search(nhs_number=text)
    assert message in err.value.errors["nhs_number"]


@pytest.mark.parametrize(
    "text, key, mode",
    [
        ("LS2 5ZN", "LS25ZN", "exact"),
        ("ls25zn", "LS25ZN", "exact"),
        ("SW1A 1AA", "SW1A1AA", "exact"),
        ("LS2", "LS2", "district"),
        ("sw1a", "SW1A", "district"),
        ("LS2 5", "LS25", "sector"),
        ("LS25", "LS25", "district"),
        ("LS", "LS", "prefix"),
    ],
)
def test_parse_search_postcode_modes(text, key, mode):
    pc = parse_search(postcode=text).postcode
    assert (pc.key, pc.mode) == (key, mode)


@pytest.mark.parametrize(
    "text, matches, misses",
    [
        ("LS2", ["LS25ZN", "LS21AA"], ["LS251AB", "LS2"]),
        ("LS2 5", ["LS25ZN", "LS25AB"], ["LS251AB", "LS26ZN"]),
        ("LS2 5Z", ["LS25ZN"], ["LS25AB"]),
        ("SW1A", ["SW1A1AA"], ["SW11AA"]),
    ],
)
def test_postcode_pattern_keeps_the_outward_code_whole(text, matches, misses):
    import re

    pattern = parse_search(postcode=text).postcode.pattern
    assert all(re.match(pattern, m) for m in matches)
    assert not any(re.match(pattern, m) for m in misses)


def test_parse_search_name_tokens_are_normalised():
    assert parse_search(name="  Séan  O'Brien-Smith ").name_tokens == ("sean", "obriensmith")


def test_parse_search_requires_a_criterion_and_lists_which_were_used():
    with pytest.raises(SearchQueryError):
        parse_search()
    q = parse_search(name="a", postcode="LS2")
    assert q.criteria == ("name", "postcode")


def test_parse_search_collects_every_error_at_once():
    with pytest.raises(SearchQueryError) as err:
        parse_search(dob="x", nhs_number="1", postcode="!!")
    assert set(err.value.errors) == {"dob", "nhs_number", "postcode"}


def test_preference_key_puts_gp_first_then_most_recent():
    old, new = datetime(2020, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    keys = {
        "gp-old": rules.preference_key("gp", old),
        "acute-new": rules.preference_key("acute", new),
        "housing-old": rules.preference_key("housing", old),
    }
    assert sorted(keys, key=keys.get) == ["gp-old", "acute-new", "housing-old"]


@pytest.mark.parametrize(
    "dob, today, age",
    [
        (date(1950, 3, 31), date(2025, 3, 30), 74),
        (date(1950, 3, 31), date(2025, 3, 31), 75),
        (date(2000, 2, 29), date(2025, 2, 28), 24),
        (None, date(2025, 1, 1), None),
    ],
)
def test_age_on(dob, today, age):
    assert rules.age_on(dob, today) == age


TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    "kind, end, status, details, group",
    [
        ("service", None, "open", {"service_component": "Home care"}, "Care and support service"),
        ("service", None, "open", {"service_type": "Long Term Support: Residential"}, "Placement"),
        ("service", date(2025, 1, 1), "closed", {}, None),
        ("service", date(2025, 12, 1), "", {}, "Care and support service"),  # ends later
        ("referral", None, "open", {}, "Open referral"),
        ("referral", None, "accepted", {}, None),  # voluntary outcome, not an open referral
        ("referral", None, "closed", {}, None),
        ("tenancy", None, "active", {}, "Tenancy"),
        ("admission", None, "in hospital", {}, "In hospital"),
        ("admission", date(2025, 5, 1), "discharged", {}, None),
        ("child_protection_plan", None, "", {}, "Children's services plan"),
        ("encounter", None, "", {}, None),
        ("assessment", None, "open", {}, None),
    ],
)
def test_current_service_group(kind, end, status, details, group):
    assert rules.current_service_group(kind, end, status, details, TODAY) == group


def test_weekly_hours_and_cost_from_details():
    details = {"planned_hours_per_week": 10.5, "weekly_cost_pence": 24150}
    assert str(rules.weekly_hours(details)) == "10.5"
    assert rules.weekly_cost_pence(details) == 24150
    assert rules.weekly_hours({}) is None and rules.weekly_cost_pence({}) is None
    assert str(rules.Money(123456)) == "£1,234.56"


@pytest.mark.parametrize(
    "relationship, inverse",
    [
        ("carer", "cared_for"),
        ("parent", "child"),
        ("partner", "partner"),
        ("next_of_kin", "next_of_kin_of"),
        ("godparent", "godparent_of"),
    ],
)
def test_inverse_relationship(relationship, inverse):
    assert rules.inverse_relationship(relationship) == inverse


def test_labels_fall_back_to_readable_words():
    assert kind_label("ae_attendance") == "A&E attendance"
    assert kind_label("something_new") == "Something new"
    assert relationship_label("cared_for") == "Cares for"
