"""Difference-in-differences on small hand-worked panels: the 2×2 case, staggered adoption
(Callaway–Sant'Anna against two-way fixed effects) and the pre-trend test."""

import numpy as np
import pytest

from onestory.evaluation.domain import did, sdid
from onestory.evaluation.domain.panel import from_matrix


def test_two_by_two_is_the_change_in_treated_less_the_change_in_controls():
    # control 10 → 12 (+2); treated 20 → 27 (+7): effect 7 − 2 = 5
    p = from_matrix([[10, 12], [20, 27]], n_treated=1, n_pre=1)
    r = did.two_by_two(p)
    assert r.att == pytest.approx(5.0)
    assert r.twfe_att == pytest.approx(5.0)
    assert np.isnan(r.se)  # four cells, four parameters: nothing left to estimate an error
    assert sdid.did(p).att == pytest.approx(5.0)


def test_two_by_two_regression_agrees_and_gives_a_clustered_error():
    rng = np.random.default_rng(1)
    # 6 controls, 4 treated, 5 periods (2 before); unit and period effects, effect 3, noise
    units = rng.normal(0, 5, 10)[:, None]
    periods = np.arange(5)[None, :] * 1.5
    effect = np.zeros((10, 5))
    effect[6:, 2:] = 3.0
    y = units + periods + effect + rng.normal(0, 0.5, (10, 5))
    p = from_matrix(y, n_treated=4, n_pre=2)
    r = did.two_by_two(p)
    assert r.twfe_att == pytest.approx(r.att)
    assert r.att == pytest.approx(3.0, abs=1.0)
    assert 0 < r.se < 1.5


def _staggered_panel():
    # two never-treated units, cohort starting at period 2, cohort starting at period 4;
    # the effect grows by 3 each period after the start (3, 6, 9, …)
    cohorts = [None, None, 2, 2, 4, 4]
    y = [
        [i + t + (0 if g is None or t < g else 3 * (t - g + 1)) for t in range(6)]
        for i, g in enumerate(cohorts)
    ]
    return y, cohorts


def test_staggered_recovers_growing_effects_where_twfe_does_not():
    y, cohorts = _staggered_panel()
    r = did.staggered(y, cohorts, bootstrap=49)
    # cohort 2: 3, 6, 9, 12 → 7.5; cohort 4: 3, 6 → 4.5; equal sizes → 6.0
    assert r.att == pytest.approx(6.0)
    assert r.twfe_att == pytest.approx(4.5)  # already-treated units used as controls
    assert r.att_gt[(2, 2)] == pytest.approx(3.0)
    assert r.att_gt[(4, 5)] == pytest.approx(6.0)
    event = {e.e: e.att for e in r.event_study}
    assert event[0] == pytest.approx(3.0)
    assert event[3] == pytest.approx(12.0)  # only cohort 2 is seen 3 periods after
    assert event[-1] == pytest.approx(0.0)


def test_staggered_pretrend_test_flags_diverging_treated_units():
    rng = np.random.default_rng(7)
    n, t = 40, 8
    cohorts = [None] * 20 + [5] * 20
    trend = np.array([[0.0 if g is None else 1.0 * s for s in range(t)] for g in cohorts])
    y = rng.normal(0, 0.3, (n, t)) + trend
    flagged = did.staggered(y, cohorts, bootstrap=99)
    assert flagged.pretrend_df == 4
    assert flagged.pretrend_p < 0.01
    clean = did.staggered(y - trend, cohorts, bootstrap=99)
    assert clean.pretrend_p > 0.01


def test_staggered_needs_never_treated_units():
    with pytest.raises(ValueError, match="never-treated"):
        did.staggered([[1, 2, 3], [2, 3, 5]], [1, 2])


def test_staggered_is_the_same_every_run():
    y, cohorts = _staggered_panel()
    y = (np.asarray(y, float) + np.random.default_rng(3).normal(0, 1, (6, 6))).tolist()
    assert did.staggered(y, cohorts, bootstrap=29).se == did.staggered(y, cohorts, bootstrap=29).se


def test_staggered_gives_no_error_when_a_cohort_has_one_unit():
    y, cohorts = _staggered_panel()
    cohorts = [None, None, 2, 2, 4, None]  # cohort 4 is now a single unit
    r = did.staggered(y, cohorts, bootstrap=29)
    assert np.isnan(r.se) and np.isnan(r.pretrend_p)
    assert r.smallest_group == 1
    assert not np.isnan(r.att)
