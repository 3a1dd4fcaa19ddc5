from datetime import date

import pytest

from onestory.people.domain.comparisons import (
    address_similarity,
    are_name_variants,
    dob_digit_differences,
    is_dob_transposed,
    nickname_groups,
    normalise_sex,
    pairwise_score,
    postcode_levels,
    shares_surname_part,
    surname_parts,
)


@pytest.mark.parametrize(
    "a, b",
    [
        ("William", "Bill"),
        ("Margaret", "Peggy"),
        ("bill", "Liam"),  # both stand for William
        ("Elizabeth", "Betty"),
        ("Mohammed", "Muhammad"),
        ("Jo-Anne", "Joanne"),
        ("Alan", "Allen"),
        ("Susan", "susan"),
    ],
)
def test_are_name_variants_true_for_listed_nicknames(a, b):
    assert are_name_variants(a, b)


@pytest.mark.parametrize(
    "a, b", [("William", "Margaret"), ("Peggy", "Bill"), ("", ""), ("Zed", "")]
)
def test_are_name_variants_false_for_unrelated_or_empty_names(a, b):
    assert not are_name_variants(a, b)


def test_nickname_groups_include_every_group_of_an_ambiguous_name():
    assert {"christopher", "christina", "chris"} <= nickname_groups("Chris")


def test_nickname_groups_of_unlisted_name_is_itself():
    assert nickname_groups("Aoife") == {"aoife"}


def test_is_dob_transposed_detects_day_month_swap():
    assert is_dob_transposed(date(1941, 3, 5), date(1941, 5, 3))


@pytest.mark.parametrize(
    "a, b",
    [
        (date(1941, 3, 5), date(1941, 3, 5)),  # the same date
        (date(1941, 3, 5), date(1942, 5, 3)),  # year differs too
        (date(1941, 3, 25), date(1941, 3, 25)),
        (date(1941, 3, 5), None),
    ],
)
def test_is_dob_transposed_false_otherwise(a, b):
    assert not is_dob_transposed(a, b)


def test_dob_digit_differences_counts_single_digit_typo():
    assert dob_digit_differences(date(1951, 3, 21), date(1951, 3, 27)) == 1
    assert dob_digit_differences(date(1951, 3, 21), date(1915, 3, 21)) == 2
    assert dob_digit_differences(None, date(1951, 3, 21)) is None


@pytest.mark.parametrize(
    "value, unit, sector, district, area",
    [
        ("LS27 2JE", "LS272JE", "LS27 2", "LS27", "LS"),
        ("sw1a1aa", "SW1A1AA", "SW1A 1", "SW1A", "SW"),
        ("M1 1AE", "M11AE", "M1 1", "M1", "M"),
        ("LS27", "", "", "LS27", "LS"),
        ("not a postcode", "", "", "", ""),
    ],
)
def test_postcode_levels_split_unit_sector_district_area(value, unit, sector, district, area):
    levels = postcode_levels(value)
    assert (levels.unit, levels.sector, levels.district, levels.area) == (
        unit,
        sector,
        district,
        area,
    )


def test_surname_parts_split_double_barrelled_and_hyphenated_names():
    assert surname_parts("Hall-Gill") == ("hall", "gill")
    assert surname_parts("Bowes Lyon") == ("bowes", "lyon")
    assert surname_parts("O'Brien") == ("obrien",)
    assert shares_surname_part("Hall-Gill", "Gill")
    assert not shares_surname_part("Hall", "Gill")


def test_address_similarity_ignores_filler_and_case():
    assert address_similarity("Flat 5, 124 Poplar Walk", "5 124 POPLAR WALK") == 1.0
    # the flat number is identity: losing it costs one token of four
    assert address_similarity("Flat 5, 124 Poplar Walk", "124 Poplar Walk") == 0.75
    assert address_similarity("124 Poplar Walk", "12 Elm Lane") == 0.0
    assert address_similarity("", "12 Elm Lane") is None


@pytest.mark.parametrize(
    "value, expected", [("female", "f"), ("M", "m"), ("unknown", ""), ("", "")]
)
def test_normalise_sex_maps_to_f_m_or_blank(value, expected):
    assert normalise_sex(value) == expected


def test_pairwise_score_counts_pairs_from_cluster_sizes():
    truth = {1: "A", 2: "A", 3: "A", 4: "B", 5: "B"}
    # clusters {1,2} {3} {4,5}: 2 of 4 true pairs found, none wrong
    s = pairwise_score([(1, 0), (2, 0), (3, 1), (4, 2), (5, 2)], truth)
    assert (s.true_positives, s.predicted_pairs, s.true_pairs) == (2, 2, 4)
    assert s.precision == 1.0 and s.recall == 0.5
    assert s.f1 == pytest.approx(2 / 3)


def test_pairwise_score_penalises_a_wrong_merge():
    truth = {1: "A", 2: "B"}
    s = pairwise_score([(1, 0), (2, 0)], truth)
    assert s.precision == 0.0 and s.true_pairs == 0
