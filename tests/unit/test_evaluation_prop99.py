"""Acceptance: `onestory evaluate` reproduces Arkhangelsky et al. (2021), Table 1, on
California's Proposition 99 (cigarette packs per capita; 38 control states; 1989 on):
difference-in-differences −27.35, synthetic control −19.62, synthetic DiD −15.60 (±0.05).

The placebo standard error uses 10 seeded placebo draws here to keep the tests fast."""

import json

import numpy as np
import pytest

from onestory.cli import main
from tests.evaluation_data import write_prop99_long


@pytest.fixture(scope="module")
def prop99(tmp_path_factory):
    return write_prop99_long(tmp_path_factory.mktemp("prop99") / "prop99.csv")


def _evaluate(capsys, prop99, method):
    argv = ["evaluate", method, "--panel", str(prop99), "--unit", "state", "--time", "year"]
    argv += ["--outcome", "packs", "--treated", "California", "--start", "1989"]
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--json", "--placebo-draws", "10"])
    assert stop.value.code == 0
    return json.loads(capsys.readouterr().out)


def test_prop99_did_matches_the_published_estimate(capsys, prop99):
    doc = _evaluate(capsys, prop99, "did")
    assert doc["att"] == pytest.approx(-27.35, abs=0.05)
    assert doc["se"] > 0
    assert doc["weights"] is None and doc["placebo"] is None


def test_prop99_synthetic_control_matches_the_published_estimate(capsys, prop99):
    doc = _evaluate(capsys, prop99, "scm")
    assert doc["att"] == pytest.approx(-19.62, abs=0.05)
    top = sorted(doc["weights"], key=doc["weights"].get, reverse=True)[:3]
    assert top == ["Utah", "Montana", "Nevada"]
    assert len(doc["placebo"]["ratios"]) == 38
    assert 0 < doc["placebo"]["p_value"] <= 0.1  # California ranks among the top 4 of 39


def test_prop99_synthetic_did_matches_the_published_estimate(capsys, prop99):
    doc = _evaluate(capsys, prop99, "sdid")
    assert doc["att"] == pytest.approx(-15.60, abs=0.05)
    top_year = max(doc["time_weights"], key=doc["time_weights"].get)
    assert top_year == "1988"
    assert set(doc["time_weights"]) == {str(y) for y in range(1970, 1989)}
    assert doc["ci95"][0] < doc["att"] < doc["ci95"][1]


@pytest.fixture(scope="module")
def prop99_panel(prop99):
    from types import SimpleNamespace

    from onestory.evaluation.commands import read_panel

    args = SimpleNamespace(
        panel=prop99,
        unit="state",
        time="year",
        outcome="packs",
        treated="California",
        start="1989",
    )
    return read_panel(args)


def test_prop99_sdid_unit_weights_are_the_papers(prop99_panel):
    from onestory.evaluation.domain import sdid

    r = sdid.sdid(prop99_panel)
    top = {prop99_panel.controls[i] for i in np.argsort(-r.omega)[:5]}
    assert top == {"Nevada", "New Hampshire", "Connecticut", "Delaware", "Colorado"}
    assert r.lam[-3:].sum() == pytest.approx(1.0, abs=0.01)  # 1986–1988 carry the weight


def test_prop99_exact_synthetic_control_fits_a_little_better_than_the_papers(prop99_panel):
    from onestory.evaluation.domain import scm

    p = prop99_panel
    paper = scm.fit(p)
    w = scm.exact_weights(p.y[:-1, : p.n_pre], p.y[-1, : p.n_pre])
    gaps = p.y[-1] - w @ p.y[:-1]
    exact_rmspe = float(np.sqrt(np.mean(gaps[: p.n_pre] ** 2)))
    assert exact_rmspe <= paper.pre_rmspe <= exact_rmspe * 1.01
    assert gaps[p.n_pre :].mean() == pytest.approx(-19.51, abs=0.01)
