import pytest

from onestory.people.domain.households import household_key, same_name


@pytest.mark.parametrize(
    "a, b",
    [
        (
            ("Flat 5, 124 Poplar Walk, Kirkholme", "LS13 6FX"),
            ("Flat 5, 124 Poplar Walk", "ls136fx"),
        ),
        (("107 Elm Lane, Morden Vale", "LS27 8NR"), ("107 Elm Lane", "LS27 8NR")),
        (("Rose Cottage, Mill Lane", "LS27 8NR"), ("Rose Cottage", "LS27 8NR")),
    ],
)
def test_household_key_same_address_written_differently(a, b):
    assert household_key(*a) == household_key(*b) != ""


@pytest.mark.parametrize(
    "a, b",
    [
        (("Flat 5, 124 Poplar Walk", "LS13 6FX"), ("Flat 6, 124 Poplar Walk", "LS13 6FX")),
        (("107 Elm Lane", "LS27 8NR"), ("107 Elm Lane", "LS27 8NP")),
    ],
)
def test_household_key_differs_for_different_flats_or_postcodes(a, b):
    assert household_key(*a) != household_key(*b)


def test_household_key_empty_without_full_postcode_or_address():
    assert household_key("107 Elm Lane", "LS27") == ""
    assert household_key("", "LS27 8NR") == ""


def test_same_name_matches_free_text_names():
    assert same_name("Ann", "Example", "Mrs Ann Example")
    assert same_name("Ann", "Example", "ann example")
    assert not same_name("Ann", "Example", "Bob Example")
    assert not same_name("Ann", "Example", "")
