"""Small-number suppression for anything shown to commissioners and analysts.

Primary: a count from 1 to 7 could single a person out, so it is not shown ("fewer than 8",
the wording the Partnership overview uses); zero is shown, because it reveals no one.
Secondary: a table's row and column totals are shown, so a row or column with exactly one
suppressed cell would let anyone recover it by subtraction. In each such row or column the
smallest other non-zero cell is suppressed too, repeated until no row or column has a single
suppressed cell. A total that is itself 1-7 is suppressed (primary).

Rates and percentages follow their counts: when the numerator or the denominator is
suppressed, so is the value and its interval.
"""

from collections.abc import Sequence

THRESHOLD = 8  # counts from 1 to THRESHOLD - 1 are suppressed
LABEL = f"fewer than {THRESHOLD}"


def is_small(n: int) -> bool:
    return 0 < n < THRESHOLD


def show(n: int | None) -> str:
    """A count as it is shown: "fewer than 8" when suppressed (None or 1-7)."""
    if n is None or is_small(n):
        return LABEL
    return f"{n:,}"


def suppress_table(cells: Sequence[Sequence[int]]) -> list[list[int | None]]:
    """The table with suppressed cells as None, primary and secondary (rows and columns)."""
    grid: list[list[int | None]] = [[None if is_small(c) else c for c in row] for row in cells]
    if any(c < 0 for row in cells for c in row):
        raise ValueError("counts cannot be negative")
    rows = len(grid)
    cols = max((len(r) for r in grid), default=0)
    if any(len(r) != cols for r in grid):
        raise ValueError("every row needs the same number of cells")
    lines = [[(r, c) for c in range(cols)] for r in range(rows)]
    lines += [[(r, c) for r in range(rows)] for c in range(cols)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [rc for rc in line if grid[rc[0]][rc[1]] is None]
            if len(hidden) != 1:
                continue
            shown = [rc for rc in line if (grid[rc[0]][rc[1]] or 0) > 0]
            if not shown:
                continue  # the rest are zeros: the total equals the hidden cell, see below
            r, c = min(shown, key=lambda rc: (cells[rc[0]][rc[1]], rc))
            grid[r][c] = None
            changed = True
    return grid


def suppress_counts(counts: Sequence[int], total_shown: bool = True) -> list[int | None]:
    """One row of counts whose total is shown: primary and secondary suppression."""
    if not total_shown:
        return [None if is_small(c) else c for c in counts]
    return suppress_table([list(counts)])[0]


def suppress_total(total: int) -> int | None:
    return None if is_small(total) else total
