"""The integration model in a quarter (`model_in`), what a version changed, and the checks
on a new version: pure, no database."""

import pytest

from onestory.national.domain.models_in_time import (
    Choices,
    InitiativeSpell,
    Version,
    changes,
    check,
    describe,
    in_force_before,
    model_in,
)

MDT_PILOT = InitiativeSpell("i-mdt", "2024Q3", "2025Q2")
FALLS = InitiativeSpell("i-falls", "2025Q1")
V1 = Version(
    "ASH",
    "2023Q1",
    "aligned",
    True,
    "practice",
    lead_commissioner="ICB",
    section75_sources=("nhs_minimum",),
    record_sharers=("GP1",),
    recorded=1,
)
V2 = Version(
    "ASH",
    "2024Q3",
    "pooled",
    True,
    "neighbourhood",
    host="COUNCIL",
    lead_commissioner="ICB",
    section75_schemes=("carers_services",),
    section75_sources=("nhs_minimum", "council"),
    record_sharers=("GP1", "COUNCIL"),
    initiatives=(MDT_PILOT, FALLS),
    recorded=2,
)
# Recorded last, from the same quarter as V2: corrects it (the host was the trust).
V3 = Version(
    "ASH",
    "2024Q3",
    "pooled",
    True,
    "neighbourhood",
    host="TRUST",
    lead_commissioner="ICB",
    section75_schemes=("carers_services",),
    section75_sources=("council", "nhs_minimum"),
    record_sharers=("COUNCIL", "GP1"),
    initiatives=(MDT_PILOT, FALLS),
    recorded=3,
)
OTHER = Version("BRK", "2022Q1", "aligned", False, "none", recorded=4)


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [
        ("2022Q4", None),  # before the first version
        ("2023Q1", 1),
        ("2024Q2", 1),
        ("2024Q3", 3),  # the correction beats the version it corrects
        ("2027Q1", 3),
    ],
)
def test_model_in_a_quarter_is_the_latest_version_from_then_or_before(quarter, expected):
    found = model_in([V3, V1, OTHER, V2], "ASH", quarter)
    assert (found.recorded if found else None) == expected


def test_model_in_a_quarter_lists_only_the_initiatives_running_then():
    versions = [V1, V2, V3]
    assert model_in(versions, "ASH", "2024Q3").initiatives == (MDT_PILOT,)
    assert set(model_in(versions, "ASH", "2025Q1").initiatives) == {MDT_PILOT, FALLS}
    # The pilot ended in 2025Q2 (included); the falls service runs on.
    assert model_in(versions, "ASH", "2025Q2").initiatives == (MDT_PILOT, FALLS)
    assert model_in(versions, "ASH", "2025Q3").initiatives == (FALLS,)
    assert model_in(versions, "ASH", "2024Q2").initiatives == ()


def test_model_in_a_quarter_of_another_partnership_is_never_this_ones():
    assert model_in([V1, V2], "BRK", "2025Q1") is None
    assert model_in([V1, OTHER], "BRK", "2025Q1") == OTHER


def test_changes_name_each_part_that_differs_and_compare_sets_as_sets():
    found = {c.field: (c.before, c.after) for c in changes(V1, V2)}
    assert set(found) == {
        "budget",
        "host",
        "section75_schemes",
        "section75_sources",
        "record_sharers",
        "mdt",
        "initiatives",
    }
    assert found["budget"] == ("aligned", "pooled")
    assert [c.field for c in changes(V2, V3)] == ["host"]  # order of codes does not matter
    assert changes(None, V1) == []


def test_the_version_a_new_one_replaced_is_the_one_in_force_for_its_quarter_before_it():
    assert in_force_before([V1, V2, V3], V1) is None
    assert in_force_before([V1, V2, V3], V2) == V1
    assert in_force_before([V1, V2, V3], V3) == V2


CHOICES = Choices(
    organisations=frozenset({"ICB", "COUNCIL", "TRUST", "GP1"}),
    commissioners=frozenset({"ICB", "COUNCIL"}),
    initiatives=frozenset({"i-mdt", "i-falls"}),
    schemes=frozenset({"carers_services"}),
    sources=frozenset({"nhs_minimum", "council"}),
)


def test_check_accepts_a_version_naming_the_partnerships_own_organisations():
    assert check(V2, CHOICES, "Pooled under the new section 75 agreement") == {}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"from_quarter": "2025-07"}, "from_quarter", "like 2025Q3"),
        ({"budget": "shared"}, "budget", "pooled or aligned"),
        ({"mdt": "weekly"}, "mdt", "MDT model"),
        ({"host": ""}, "host", "A pooled budget needs a host"),
        ({"host": "ELSEWHERE"}, "host", "partnership's own organisations"),
        ({"lead_commissioner": "OTHER-ICB"}, "lead_commissioner", "must be one of the partner"),
        ({"lead_commissioner": "GP1"}, "lead_commissioner", "a commissioner or a council"),
        ({"record_sharers": ("GP1", "OTHER-GP")}, "record_sharers", "own organisations"),
        ({"section75_schemes": ("spa_days",)}, "section75_schemes", "from the list"),
        ({"section75_sources": ("lottery",)}, "section75_sources", "from the list"),
        (
            {"initiatives": (InitiativeSpell("i-unknown", "2025Q1"),)},
            "initiative-i-unknown",
            "from the register",
        ),
        (
            {"initiatives": (InitiativeSpell("i-mdt", "soon"),)},
            "initiative-i-mdt",
            "started, like 2025Q1",
        ),
        (
            {"initiatives": (InitiativeSpell("i-mdt", "2025Q3", "2025Q1"),)},
            "initiative-i-mdt",
            "cannot end before it started",
        ),
    ],
)
def test_check_names_the_field_and_says_what_to_do(change, field, words):
    import dataclasses

    errors = check(dataclasses.replace(V2, **change), CHOICES, "a reason")
    assert field in errors and words in errors[field]


def test_check_wants_a_reason_for_every_version():
    assert "reason" in check(V2, CHOICES, "  ")


def test_check_of_a_partnership_elsewhere_takes_its_words_for_organisations():
    elsewhere = Choices(schemes=CHOICES.schemes, sources=CHOICES.sources, on_installation=False)
    free = Version("P09", "2025Q1", "pooled", True, "none", host="Borough council")
    assert check(free, elsewhere, "reported") == {}


def test_describe_turns_codes_into_words():
    names = {"GP1": "Green Surgery", "COUNCIL": "The council", "i-falls": "Falls service"}
    assert describe(("GP1", "COUNCIL"), names) == "Green Surgery; The council"
    assert describe((FALLS,), names) == "Falls service (from 2025Q1)"
    assert describe((MDT_PILOT,), {}) == "i-mdt (from 2024Q3 to 2025Q2)"
    assert describe((), names) == "None" and describe("", names) == "None"
    assert describe(True, names) == "Yes"
