"""On generated nations, each estimator's 95% interval holds a planted initiative's true
effect (`truth/effects.csv`) and does not call a placebo initiative (no effect) significant.
One small seed here (about 20 s on an idle machine); `bench/evaluation_coverage.py` gives
the coverage over 20."""

import pytest

from onestory.evaluation.domain.result import METHODS
from onestory.evaluation.indicators import coverage


@pytest.mark.parametrize("seed", [1])
def test_estimators_recover_a_planted_effect_and_not_a_placebo(seed, tmp_path):
    runs = coverage.run_seed(seed, 20_000, tmp_path)
    planted = {r.method: r for r in runs if r.initiative == "planted"}
    placebo = {r.method: r for r in runs if r.initiative == "placebo"}
    assert set(planted) == set(placebo) == set(METHODS)
    for method in METHODS:
        truth = planted[method].truth
        assert truth < 0  # fewer emergency admissions where the initiative ran
        assert planted[method].covered, (method, truth, planted[method].ci_low)
        assert placebo[method].truth == 0.0
        assert not placebo[method].significant, (method, placebo[method].att)
