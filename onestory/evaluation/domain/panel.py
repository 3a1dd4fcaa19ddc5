"""A balanced panel: one outcome per unit and period, built from long rows.

Rows come in as (line number, {column: text}) so that every error can name the file, the
line and the column. Units are ordered controls first, then treated (the layout of
Arkhangelsky et al. 2021), periods in ascending order.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import isfinite

import numpy as np
from numpy.typing import NDArray

Period = int | float | str


class PanelError(ValueError):
    """Bad input, with a message that names the file, line and column."""


@dataclass(frozen=True)
class Panel:
    units: tuple[str, ...]  # controls first, then treated
    periods: tuple[Period, ...]  # ascending
    y: NDArray[np.float64]  # units × periods
    n_treated: int
    n_pre: int  # periods before the (first) start
    starts: tuple[int, ...] = ()  # each treated unit's first treated period index, if they differ

    @property
    def treated_starts(self) -> tuple[int, ...]:
        return self.starts or (self.n_pre,) * self.n_treated

    @property
    def staggered(self) -> bool:
        return len(set(self.treated_starts)) > 1

    @property
    def n_control(self) -> int:
        return len(self.units) - self.n_treated

    @property
    def controls(self) -> tuple[str, ...]:
        return self.units[: self.n_control]

    @property
    def treated(self) -> tuple[str, ...]:
        return self.units[self.n_control :]

    @property
    def pre_periods(self) -> tuple[Period, ...]:
        return self.periods[: self.n_pre]

    @property
    def post_periods(self) -> tuple[Period, ...]:
        return self.periods[self.n_pre :]


def parse_period(text: str) -> Period:
    """A period as a number where it is one (1989, 2024.25), else the text ("2024Q1")."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if isfinite(value) else text


def _sort_key(p: Period) -> tuple[int, float, str]:
    return (1, 0.0, p) if isinstance(p, str) else (0, float(p), "")


def build_panel(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    columns: Sequence[str],
    unit: str,
    time: str,
    outcome: str,
    treated: Sequence[str],
    start: str,
    source: str = "panel",
) -> Panel:
    """Check the columns and values and return the balanced panel.

    `columns` is the header; `start` is the first treated period (as written in the file),
    or one per treated unit, comma-separated, for staggered starts; `source` names the file
    in errors.
    """
    for role, col in (("unit", unit), ("time", time), ("outcome", outcome)):
        if col not in columns:
            raise PanelError(
                f"{source}: no {role} column {col!r}; the columns are {', '.join(columns)}"
            )
    values: dict[tuple[str, Period], float] = {}
    for line, row in rows:
        u = (row.get(unit) or "").strip()
        t_text = (row.get(time) or "").strip()
        y_text = (row.get(outcome) or "").strip()
        if not u:
            raise PanelError(f"{source}, line {line}, column {unit!r}: the unit is empty")
        if not t_text:
            raise PanelError(f"{source}, line {line}, column {time!r}: the period is empty")
        try:
            y = float(y_text)
        except ValueError:
            raise PanelError(
                f"{source}, line {line}, column {outcome!r}: {y_text!r} is not a number"
            ) from None
        if not isfinite(y):
            raise PanelError(
                f"{source}, line {line}, column {outcome!r}: {y_text!r} is not a finite number"
            )
        key = (u, parse_period(t_text))
        if key in values:
            raise PanelError(
                f"{source}, line {line}: a second row for unit {u!r} in period {t_text!r}"
            )
        values[key] = y
    if not values:
        raise PanelError(f"{source}: no rows")
    all_units = sorted({u for u, _ in values})
    periods = sorted({t for _, t in values}, key=_sort_key)
    if len({type(p) is str for p in periods}) > 1:
        raise PanelError(f"{source}, column {time!r}: periods mix numbers and text")
    missing = [(u, t) for u in all_units for t in periods if (u, t) not in values]
    if missing:
        u, t = missing[0]
        raise PanelError(
            f"{source}: the panel is unbalanced — {len(missing)} unit-period row(s) missing, "
            f"the first is unit {u!r} in period {t!r} (column {time!r})"
        )
    treated_units = [t.strip() for t in treated if t.strip()]
    if not treated_units:
        raise PanelError(f"{source}: no treated unit given")
    if len(set(treated_units)) < len(treated_units):
        raise PanelError(f"{source}: a treated unit is named twice")
    unknown = [t for t in treated_units if t not in set(all_units)]
    if unknown:
        raise PanelError(
            f"{source}, column {unit!r}: treated unit(s) {', '.join(map(repr, unknown))} "
            "not in the panel"
        )
    controls = [u for u in all_units if u not in set(treated_units)]
    if not controls:
        raise PanelError(f"{source}: every unit is treated; there is no comparator")
    start_texts = [s.strip() for s in start.split(",")]
    if len(start_texts) not in (1, len(treated_units)):
        raise PanelError(
            f"{source}: give one start for all treated units or one per treated unit "
            f"({len(treated_units)}), not {len(start_texts)}"
        )
    starts = [_start_index(periods, text, source, time) for text in start_texts]
    if len(starts) == 1:
        starts *= len(treated_units)
    n_pre = min(starts)
    order = controls + treated_units
    y_matrix = np.array([[values[(u, t)] for t in periods] for u in order], dtype=float)
    return Panel(
        units=tuple(order),
        periods=tuple(periods),
        y=y_matrix,
        n_treated=len(treated_units),
        n_pre=n_pre,
        starts=tuple(starts) if len(set(starts)) > 1 else (),
    )


def _start_index(periods: list[Period], text: str, source: str, time: str) -> int:
    """How many periods come before the start `text`; at least one, and not all."""
    start_p = parse_period(text)
    if isinstance(start_p, str) != isinstance(periods[0], str):
        raise PanelError(
            f"{source}, column {time!r}: start {text!r} is not a period like {periods[0]!r}"
        )
    n_pre = sum(1 for p in periods if _sort_key(p) < _sort_key(start_p))
    if n_pre < 1:
        raise PanelError(f"{source}, column {time!r}: no period before the start {text!r}")
    if n_pre >= len(periods):
        raise PanelError(f"{source}, column {time!r}: no period from the start {text!r} on")
    return n_pre


def from_matrix(
    y: Sequence[Sequence[float]] | NDArray[np.float64],
    *,
    n_treated: int,
    n_pre: int,
    units: Sequence[str] | None = None,
    periods: Sequence[Period] | None = None,
) -> Panel:
    """A panel from a units × periods matrix laid out controls first, then treated."""
    m = np.asarray(y, dtype=float)
    n, t = m.shape
    if not 0 < n_treated < n or not 0 < n_pre < t:
        raise PanelError("need at least one control, one treated unit, one pre and one post period")
    return Panel(
        units=tuple(units) if units is not None else tuple(f"u{i}" for i in range(n)),
        periods=tuple(periods) if periods is not None else tuple(range(t)),
        y=m,
        n_treated=n_treated,
        n_pre=n_pre,
    )
