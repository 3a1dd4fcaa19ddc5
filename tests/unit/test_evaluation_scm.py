"""Synthetic control on small hand-worked panels, its placebos, and the weights' property."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from onestory.evaluation.domain import scm
from onestory.evaluation.domain.panel import from_matrix


def _panel():
    a = [10.0, 14.0, 9.0, 15.0, 11.0, 16.0, 10.0, 13.0, 12.0, 14.0]
    b = [20.0, 18.0, 24.0, 19.0, 25.0, 17.0, 23.0, 21.0, 22.0, 20.0]
    c = [30.0, 38.0, 29.0, 26.0, 37.0, 31.0, 27.0, 36.0, 33.0, 30.0]
    # treated = (a + b) / 2 before the start (period 8), then 5 lower
    treated = [
        (x + y) / 2 - (5.0 if t >= 8 else 0.0) for t, (x, y) in enumerate(zip(a, b, strict=True))
    ]
    return from_matrix([a, b, c, treated], n_treated=1, n_pre=8, units=["A", "B", "C", "T"])


def test_scm_weights_rebuild_the_treated_unit_from_its_donors():
    f = scm.fit(_panel())
    assert f.weights == pytest.approx([0.5, 0.5, 0.0], abs=0.01)
    assert f.pre_rmspe == pytest.approx(0.0, abs=0.05)
    assert f.gaps[8:] == pytest.approx([-5.0, -5.0], abs=0.1)
    assert f.att == pytest.approx(-5.0, abs=0.1)


def test_scm_exact_weights_agree_with_the_iterative_fit():
    p = _panel()
    w = scm.exact_weights(p.y[:3, :8], p.y[3, :8])
    assert w == pytest.approx([0.5, 0.5, 0.0], abs=1e-6)


def test_scm_in_space_placebo_p_value_is_the_treated_units_rank():
    rng = np.random.default_rng(0)
    controls = rng.normal(0, 1, (9, 12)) + np.arange(12)
    treated = controls[:3].mean(axis=0) + rng.normal(0, 0.1, 12)
    treated[8:] -= 10.0  # a large effect after the start
    p = from_matrix(np.vstack([controls, treated]), n_treated=1, n_pre=8)
    places = scm.in_space_placebos(p)
    assert len(places.ratios) == 9
    assert places.treated_ratio > max(places.ratios.values())
    assert places.p_value == pytest.approx(1 / 10)


def test_scm_in_time_placebo_finds_nothing_before_the_real_start():
    p = _panel()
    early = scm.in_time_placebo(p, fake_start=5)
    assert early.att == pytest.approx(0.0, abs=0.1)
    with pytest.raises(ValueError):
        scm.in_time_placebo(p, fake_start=8)


panels = st.tuples(st.integers(2, 6), st.integers(2, 8)).flatmap(
    lambda shape: arrays(
        np.float64,
        (shape[0] + 1, shape[1]),
        elements=st.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
    )
)


@settings(max_examples=60, deadline=None)
@given(panels)
def test_scm_weights_are_non_negative_and_sum_to_one(y):
    p = from_matrix(np.vstack([y, y[:1] + 1.0]), n_treated=1, n_pre=y.shape[1] - 1)
    for w in (scm.fit(p).weights, scm.exact_weights(p.y[:-1, :-1], p.y[-1, :-1])):
        assert len(w) == p.n_control
        assert (w >= 0).all()
        assert w.sum() == pytest.approx(1.0, abs=1e-9)
