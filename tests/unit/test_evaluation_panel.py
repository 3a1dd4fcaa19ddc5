"""The long panel: periods in time order, treated units last, bad input named."""

import pytest

from onestory.evaluation.domain.panel import PanelError, build_panel


def _rows(triples):
    return [(i + 2, {"u": u, "t": t, "y": y}) for i, (u, t, y) in enumerate(triples)]


def _build(triples, treated=("B",), start="10"):
    return build_panel(
        _rows(triples),
        columns=["u", "t", "y"],
        unit="u",
        time="t",
        outcome="y",
        treated=list(treated),
        start=start,
        source="p.csv",
    )


def test_panel_orders_numeric_periods_as_numbers_and_treated_units_last():
    p = _build([(u, t, "1") for t in ("11", "9", "10") for u in ("B", "A", "C")])
    assert p.periods == (9, 10, 11)  # not "10" < "11" < "9"
    assert p.units == ("A", "C", "B")
    assert p.n_pre == 1 and p.controls == ("A", "C") and p.treated == ("B",)


def test_panel_with_one_start_per_treated_unit_is_staggered():
    p = _build(
        [(u, t, "1") for t in ("1", "2", "3") for u in ("A", "B", "C")],
        treated=("B", "C"),
        start="2,3",
    )
    assert p.staggered and p.treated_starts == (1, 2) and p.n_pre == 1


def test_panel_refuses_infinite_outcomes_naming_the_line():
    with pytest.raises(PanelError, match=r"p.csv, line 3, column 'y': 'inf' is not a finite"):
        _build([("A", "9", "1"), ("A", "10", "inf"), ("B", "9", "1"), ("B", "10", "2")])


def test_panel_refuses_a_treated_unit_named_twice():
    with pytest.raises(PanelError, match="named twice"):
        _build(
            [("A", "9", "1"), ("A", "10", "1"), ("B", "9", "1"), ("B", "10", "2")],
            treated=("B", "B"),
        )
