"""`onestory evaluate`: the JSON contract, the readable summary, and bad input as a clear
message naming the file, line and column, with exit status 2 and no traceback."""

import json

import pytest

from onestory.cli import main

KEYS = [
    "method",
    "att",
    "se",
    "ci95",
    "weights",
    "time_weights",
    "gaps",
    "pre_rmspe",
    "placebo",
]


@pytest.fixture
def panel(tmp_path):
    """Five areas over six quarters; Northfield starts a scheme in 2024Q3 and its
    admissions fall by 4."""
    base = {"Eastbrook": 20, "Southmoor": 24, "Westvale": 18, "Kingsley": 22, "Northfield": 21}
    lines = ["area,quarter,admissions"]
    for q, quarter in enumerate(["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]):
        for i, (area, level) in enumerate(base.items()):
            y = level + q + (i % 2) * 0.5 * (q % 2)
            if area == "Northfield" and q >= 2:
                y -= 4
            lines.append(f"{area},{quarter},{y}")
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys, *argv):
    with pytest.raises(SystemExit) as stop:
        main(["evaluate", *argv])
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


def _args(panel, method, **over):
    a = {"--panel": str(panel), "--unit": "area", "--time": "quarter"}
    a |= {"--outcome": "admissions", "--treated": "Northfield", "--start": "2024Q3"}
    a |= over
    return [method, *[x for kv in a.items() for x in kv]]


@pytest.mark.parametrize("method", ["did", "scm", "sdid"])
def test_evaluate_json_has_exactly_the_documented_keys(capsys, panel, method):
    code, out, _ = _run(capsys, *_args(panel, method), "--json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == KEYS
    assert doc["method"] == method
    assert doc["att"] == pytest.approx(-4.0, abs=1.0)
    assert list(doc["gaps"]) == ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    lo, hi = doc["ci95"]
    assert lo < doc["att"] < hi
    assert doc["pre_rmspe"] >= 0
    if method == "did":
        assert doc["weights"] is None and doc["time_weights"] is None
    else:
        assert set(doc["weights"]) == {"Eastbrook", "Southmoor", "Westvale", "Kingsley"}
        assert sum(doc["weights"].values()) == pytest.approx(1.0)
    if method == "sdid":
        assert set(doc["time_weights"]) == {"2024Q1", "2024Q2"}
    else:
        assert doc["time_weights"] is None
    if method == "scm":
        assert set(doc["placebo"]) == {"p_value", "ratios"}
        assert set(doc["placebo"]["ratios"]) == set(doc["weights"])
    else:
        assert doc["placebo"] is None


def test_evaluate_without_json_prints_a_readable_summary(capsys, panel):
    code, out, _ = _run(capsys, *_args(panel, "scm"))
    assert code == 0
    assert "synthetic control: 1 treated unit(s), 4 control(s)" in out
    assert "Effect on the treated" in out
    assert "In-space placebo: permutation p-value" in out
    assert not out.lstrip().startswith("{")


def _bad(capsys, argv):
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    return err


def test_evaluate_missing_file_is_named(capsys, tmp_path):
    err = _bad(capsys, _args(tmp_path / "nope.csv", "did"))
    assert "nope.csv: no such file" in err


def test_evaluate_missing_column_is_named(capsys, panel):
    err = _bad(capsys, _args(panel, "did", **{"--outcome": "beds"}))
    assert f"{panel}: no outcome column 'beds'" in err


def test_evaluate_unknown_treated_unit_is_named(capsys, panel):
    err = _bad(capsys, _args(panel, "sdid", **{"--treated": "Northfield,Atlantis"}))
    assert "'Atlantis'" in err and "not in the panel" in err


def test_evaluate_unbalanced_panel_names_the_missing_row(capsys, panel):
    lines = panel.read_text().splitlines()
    panel.write_text("\n".join(line for line in lines if line != lines[7]) + "\n")
    err = _bad(capsys, _args(panel, "scm"))
    assert "unbalanced" in err and "'Southmoor'" in err and "'2024Q2'" in err


def test_evaluate_non_numeric_outcome_names_line_and_column(capsys, panel):
    lines = panel.read_text().splitlines()
    assert lines[8].startswith("Westvale,2024Q2,")  # line 9 of the file
    lines[8] = "Westvale,2024Q2,n/a"
    panel.write_text("\n".join(lines) + "\n")
    err = _bad(capsys, _args(panel, "did"))
    assert f"{panel}, line 9, column 'admissions': 'n/a' is not a number" in err


def test_evaluate_start_outside_the_periods_is_refused(capsys, panel):
    err = _bad(capsys, _args(panel, "did", **{"--start": "2023Q1"}))
    assert "no period before the start" in err


def test_evaluate_duplicate_row_is_named(capsys, panel):
    panel.write_text(panel.read_text() + "Eastbrook,2024Q1,99\n")
    err = _bad(capsys, _args(panel, "did"))
    assert "line 32" in err and "a second row for unit 'Eastbrook'" in err


@pytest.fixture
def staggered_panel(tmp_path):
    """Ten areas over eight years; four start a scheme, two in 2015 and two in 2017, and its
    effect grows by 2 a year (2, 4, 6 …): the true mean effect is 5."""
    lines = ["area,year,admissions"]
    starts = {"A8": 2015, "A9": 2015, "A10": 2017, "A11": 2017}
    for i in range(12):
        area = f"A{i}"
        for year in range(2012, 2020):
            s = starts.get(area)
            effect = 0 if s is None or year < s else 2 * (year - s + 1)
            lines.append(f"{area},{year},{i + (year - 2012) + 0.1 * ((i * year) % 3) + effect}")
    path = tmp_path / "staggered.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _staggered_args(path, method):
    return [
        *(method, "--panel", str(path), "--unit", "area", "--time", "year"),
        *("--outcome", "admissions", "--treated", "A8,A9,A10,A11"),
        *("--start", "2015,2015,2017,2017"),
    ]


def test_evaluate_did_with_staggered_starts_gives_an_event_study(capsys, staggered_panel):
    code, out, _ = _run(capsys, *_staggered_args(staggered_panel, "did"), "--json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == KEYS
    assert doc["att"] == pytest.approx(5.0, abs=0.3)
    assert doc["gaps"]["0"] == pytest.approx(2.0, abs=0.3)
    assert doc["gaps"]["4"] == pytest.approx(10.0, abs=0.3)  # only the 2015 cohort
    assert doc["gaps"]["-1"] == pytest.approx(0.0, abs=0.3)
    assert doc["se"] > 0


def test_evaluate_summary_shows_the_event_study_and_pretrend_test(capsys, staggered_panel):
    code, out, _ = _run(capsys, *_staggered_args(staggered_panel, "did"))
    assert code == 0
    assert "staggered starts" in out
    assert "Event study (periods since the start: effect): -4:" in out
    assert "Pre-trend test (Callaway–Sant'Anna event study, 4 pre-period coefficients)" in out


def test_evaluate_sdid_refuses_staggered_starts(capsys, staggered_panel):
    err = _bad(capsys, _staggered_args(staggered_panel, "sdid"))
    assert "needs one start for all treated units; use did for staggered starts" in err


def test_evaluate_start_count_must_match_the_treated_units(capsys, panel):
    err = _bad(capsys, _args(panel, "did", **{"--start": "2024Q3,2024Q4"}))
    assert "one start for all treated units or one per treated unit (1), not 2" in err


def test_evaluate_did_with_one_treated_unit_does_not_claim_a_pretrend_test(capsys, panel):
    code, out, _ = _run(capsys, *_args(panel, "did"))
    assert code == 0
    assert "Pre-trend test not run" in out
    assert "placebo standard error" in out


def test_evaluate_did_with_several_treated_units_clusters_by_unit(capsys, panel):
    argv = _args(panel, "did", **{"--treated": "Northfield,Kingsley"})
    code, out, _ = _run(capsys, *argv)
    assert code == 0
    assert "Standard error clustered by unit" in out
    code, out, _ = _run(capsys, *argv, "--json")
    assert json.loads(out)["se"] > 0
