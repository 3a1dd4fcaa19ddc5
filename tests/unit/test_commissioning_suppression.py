"""Small-number suppression: primary (1-7) and secondary (totals cannot reveal)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestory.commissioning.domain import suppression as sp


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0"),
        (1, "fewer than 8"),
        (7, "fewer than 8"),
        (8, "8"),
        (1234, "1,234"),
        (None, "fewer than 8"),
    ],
)
def test_show_count(n, shown):
    assert sp.show(n) == shown


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([10, 20, 30], [10, 20, 30]),  # nothing small
        ([0, 20, 30], [0, 20, 30]),  # zero reveals no one
        ([3, 20, 30], [None, None, 30]),  # 3 hidden; the total would reveal it: hide 20 too
        ([3, 5, 30], [None, None, 30]),  # two hidden already: the total cannot split them
        ([3, 0, 0], [None, 0, 0]),  # nothing else to hide: the total itself is small
        ([9, 2, 40, 12], [None, None, 40, 12]),  # the smallest other non-zero cell goes
    ],
)
def test_suppress_counts_with_a_shown_total(counts, expected):
    assert sp.suppress_counts(counts) == expected


def test_suppress_counts_without_a_total_is_primary_only():
    assert sp.suppress_counts([3, 20, 30], total_shown=False) == [None, 20, 30]


def test_suppress_table_rows_and_columns():
    # segment x locality with row and column totals shown
    cells = [
        [50, 4, 30],
        [20, 25, 40],
        [60, 70, 80],
    ]
    got = sp.suppress_table(cells)
    # row 0: 4 hidden -> 30 (smallest other) hidden; column 1: 4 hidden -> 25 hidden;
    # column 2 now has 30 hidden alone -> 40 hidden; row 1 then has 25 and 40 hidden: fine.
    assert got == [[50, None, None], [20, None, None], [60, 70, 80]]


def test_suppress_total():
    assert sp.suppress_total(5) is None and sp.suppress_total(0) == 0
    assert sp.suppress_total(8) == 8


tables = st.integers(1, 5).flatmap(
    lambda cols: st.lists(
        st.lists(st.integers(0, 40), min_size=cols, max_size=cols), min_size=1, max_size=5
    )
)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_row_or_column_has_exactly_one_hidden_cell_that_is_not_zero_elsewhere(cells):
    got = sp.suppress_table(cells)
    for r, row in enumerate(cells):
        for c, n in enumerate(row):
            if sp.is_small(n):
                assert got[r][c] is None  # primary
            elif got[r][c] is not None:
                assert got[r][c] == n  # shown cells are unchanged
    lines = [[(r, c) for c in range(len(cells[0]))] for r in range(len(cells))]
    lines += [[(r, c) for r in range(len(cells))] for c in range(len(cells[0]))]
    for line in lines:
        hidden = [rc for rc in line if got[rc[0]][rc[1]] is None]
        others = [rc for rc in line if rc not in hidden and cells[rc[0]][rc[1]] > 0]
        # one hidden cell with a shown non-zero cell beside it could be subtracted out
        assert len(hidden) != 1 or not others
