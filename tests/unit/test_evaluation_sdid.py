"""Synthetic difference-in-differences on small hand-worked panels and its placebo error."""

import numpy as np
import pytest

from onestory.evaluation.domain import sdid
from onestory.evaluation.domain.panel import from_matrix


def _additive(effect=4.0, seed=0):
    """y = unit effect + period effect (+ effect for the treated after the start)."""
    rng = np.random.default_rng(seed)
    units = rng.normal(0, 10, 8)[:, None]
    periods = rng.normal(0, 3, 7)[None, :]
    y = units + periods
    y[6:, 4:] += effect
    return from_matrix(y, n_treated=2, n_pre=4)


def test_sdid_and_did_recover_an_additive_effect_exactly():
    p = _additive(effect=4.0)
    assert sdid.sdid(p).att == pytest.approx(4.0, abs=1e-6)
    assert sdid.did(p).att == pytest.approx(4.0, abs=1e-9)


def test_sdid_weights_are_on_the_simplex():
    p = _additive(seed=3)
    r = sdid.sdid(p)
    for w in (r.omega, r.lam):
        assert (w >= 0).all()
        assert w.sum() == pytest.approx(1.0)
    assert len(r.omega) == p.n_control and len(r.lam) == p.n_pre


def test_sdid_time_weights_favour_the_pre_periods_that_look_like_the_post_period():
    # controls jump at period 3 and stay up: periods 3 and 4 match the post-period, 0–2 do not
    base = np.array([0.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0])
    rng = np.random.default_rng(2)
    y = np.vstack([base * (1 + 0.2 * i) + rng.normal(0, 0.05, 7) for i in range(6)])
    y = np.vstack([y, y[:2].mean(axis=0) + 1.0])
    r = sdid.sdid(from_matrix(y, n_treated=1, n_pre=5))
    assert r.lam[3:].sum() > 0.9


def test_did_gaps_are_zero_on_average_before_the_start():
    p = _additive(effect=2.0, seed=5)
    r = sdid.did(p)
    assert r.gaps[: p.n_pre].mean() == pytest.approx(0.0, abs=1e-9)
    assert r.gaps[p.n_pre :] == pytest.approx([2.0] * 3)


def test_placebo_se_uses_every_control_once_when_one_unit_is_treated():
    p = from_matrix(
        [[1, 2, 3, 4], [2, 3, 5, 6], [0, 2, 2, 5], [3, 3, 4, 4], [1, 2, 3, 9]], n_treated=1, n_pre=2
    )
    est = sdid.placebo_estimates(p, "did", draws=100)
    assert len(est) == 4
    # control 0 treated, others the comparison: (3.5 − 1.5) − mean of (5.5−2.5, 3.5−1, 4−3) = 0
    assert est[0] == pytest.approx(2.0 - (3.0 + 2.5 + 1.0) / 3)
    b = len(est)
    assert sdid.placebo_se(p, "did") == pytest.approx(np.sqrt((b - 1) / b) * np.std(est, ddof=1))


def test_placebo_se_draws_are_bounded_and_repeatable():
    p = _additive(seed=4)  # 6 controls, 2 treated: 15 possible placebo pairs
    assert len(sdid.placebo_estimates(p, "sdid", draws=5)) == 5
    assert sdid.placebo_se(p, "sdid", draws=5) == sdid.placebo_se(p, "sdid", draws=5)
    with pytest.raises(ValueError, match="more controls"):
        sdid.placebo_se(from_matrix([[1, 2], [3, 4]], n_treated=1, n_pre=1), "sdid")
