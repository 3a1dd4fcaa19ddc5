"""`web.int_or`: a page number or a choice read leniently — anything that is not a whole
number in range gives the default, never an error or a number no database can hold."""

import pytest

from onestory.web import MAX_ID, int_or


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), (" 7 ", 7), ("", 1), (None, 1), ("abc", 1), ("-2", 1), ("0", 1), ("9" * 25, 1)],
)
def test_int_or_gives_the_default_for_anything_but_a_number_in_range(value, expected):
    assert int_or(value, 1, minimum=1) == expected


def test_int_or_keeps_the_largest_id_a_database_holds():
    assert int_or(str(MAX_ID), 0) == MAX_ID and int_or(str(MAX_ID + 1), 0) == 0
