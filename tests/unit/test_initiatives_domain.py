"""Pure rules of the initiative register: the plain-English reading of an evaluation in
each situation, the code version kept with a run, the register's search, quarters and the
survey's aggregation with suppression."""

from datetime import date

import pytest

from onestory.initiatives.domain import quarters, reading, register, survey
from onestory.initiatives.domain.version import code_version

OUTCOME = "emergency admissions per 100,000 people a quarter"


def _result(att=-300.0, ci=(-500.0, -100.0), pre=10.0, p=None, method="scm"):
    return {
        "method": method,
        "att": att,
        "se": None,
        "ci95": list(ci) if ci else None,
        "weights": None,
        "time_weights": None,
        "gaps": {},
        "pre_rmspe": pre,
        "placebo": {"p_value": p, "ratios": {}} if p is not None else None,
    }


def _read(result, pre_level=2000.0, comparators=20):
    return reading.read(result, outcome=OUTCOME, pre_level=pre_level, comparators=comparators)


def test_reading_interval_including_zero_says_no_change_and_not_no_effect():
    r = _read(_result(att=-120.0, ci=(-400.0, 160.0), method="did"))
    text = " ".join(r.sentences)
    assert "includes no change" in text
    assert "It does not show that the initiative did nothing" in text
    assert r.verdict == "no_clear_change" and r.headline == "No clear change"


def test_reading_interval_excluding_zero_with_good_fit_and_small_placebo_says_lower():
    r = _read(_result(att=-300.0, ci=(-500.0, -100.0), pre=10.0, p=0.04))
    text = " ".join(r.sentences)
    assert "300.0 lower" in text
    assert "does not include no change" in text
    assert "Pre-period fit was close" in text
    assert "few of the places that did nothing" in text
    assert r.verdict == "lower"


def test_reading_higher_outcome_says_higher():
    r = _read(_result(att=250.0, ci=(100.0, 400.0), method="sdid"))
    assert r.verdict == "higher" and "250.0 higher" in r.sentences[0]


def test_reading_poor_pre_period_fit_says_not_to_rely_on_the_estimate():
    r = _read(_result(pre=400.0), pre_level=2000.0)  # 20% of the level
    text = " ".join(r.sentences)
    assert "Pre-period fit was poor" in text and "should not be relied on" in text
    assert r.verdict == "poor_fit"


def test_reading_fair_fit_between_the_thresholds():
    r = _read(_result(pre=150.0), pre_level=2000.0)  # 7.5%
    assert any(s.startswith("Pre-period fit was fair") for s in r.sentences)


def test_reading_large_placebo_p_value_says_differences_were_common():
    r = _read(_result(p=0.4))
    text = " ".join(r.sentences)
    assert (
        "The placebo p-value is 0.40: differences this large were common among places that "
        "did nothing." in text
    )
    assert r.verdict == "mixed"


def test_reading_few_comparators_says_the_p_value_has_a_floor():
    r = _read(_result(p=0.2), comparators=4)
    assert any("cannot be below 0.20" in s for s in r.sentences)
    many = _read(_result(p=0.2), comparators=40)
    assert not any("cannot be below" in s for s in many.sentences)


def test_reading_without_an_interval_says_not_to_act_on_the_estimate_alone():
    r = _read(_result(ci=None))
    assert any("No 95% interval" in s for s in r.sentences)
    assert r.verdict == "no_clear_change"


def test_reading_without_an_estimate_says_nothing_about_the_effect():
    r = _read(_result(att=None))
    assert r.verdict == "no_estimate" and len(r.sentences) == 1


def test_reading_always_says_what_it_cannot_show():
    r = _read(_result())
    assert r.sentences[-1].startswith("What this cannot show")


def test_code_version_changes_with_the_source_and_not_with_order():
    a = code_version("0.1.0", {"did.py": b"x = 1", "scm.py": b"y = 2"})
    b = code_version("0.1.0", {"scm.py": b"y = 2", "did.py": b"x = 1"})
    c = code_version("0.1.0", {"did.py": b"x = 2", "scm.py": b"y = 2"})
    assert a == b != c
    assert a.startswith("0.1.0+src.") and len(a) == len("0.1.0+src.") + 12
    assert code_version("0.2.0", {"did.py": b"x = 1", "scm.py": b"y = 2"}) != a


def test_code_version_tells_a_moved_byte_between_modules_apart():
    assert code_version("1", {"a.py": b"xy", "b.py": b""}) != code_version(
        "1", {"a.py": b"x", "b.py": b"y"}
    )


MDT = register.Facts(
    name="MDT case management in the north",
    aims="Fewer emergency admissions of frail people",
    learned="Worked where GPs attended",
    kind="mdt_case_management",
    status="ended",
    decision="scale_up",
    localities=frozenset({"N"}),
    indicators=frozenset({"emergency_admissions"}),
)
FALLS = register.Facts(
    name="Falls service",
    kind="falls_service",
    status="running",
    localities=frozenset({"S"}),
    indicators=frozenset({"ae_attendances"}),
)


@pytest.mark.parametrize(
    ("search", "found"),
    [
        (register.Search(), ["mdt", "falls"]),
        (register.Search(words="frail"), ["mdt"]),  # word prefix, any case
        (register.Search(words="EMERGENCY gps"), ["mdt"]),  # every word, learned text too
        (register.Search(words="emergency falls"), []),
        (register.Search(words="case management"), ["mdt"]),  # the type's label
        (register.Search(kind="falls_service"), ["falls"]),
        (register.Search(locality="N"), ["mdt"]),
        (register.Search(status="running"), ["falls"]),
        (register.Search(decision="scale_up"), ["mdt"]),
        (register.Search(indicator="ae_attendances"), ["falls"]),
        (register.Search(words="falls", locality="N"), []),
    ],
)
def test_register_search_matches_words_and_filters(search, found):
    assert register.search([("mdt", MDT), ("falls", FALLS)], search) == found


def test_register_search_empty_only_without_words_or_filters():
    assert register.Search().empty and register.Search(words="  ").empty
    assert not register.Search(status="ended").empty


def test_quarters_parse_span_and_label():
    assert quarters.of(date(2025, 9, 30)) == "2025Q3"
    assert quarters.first_day("2025q4") == date(2025, 10, 1)
    assert quarters.span("2024Q3", "2025Q2") == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    assert quarters.label("2025Q3") == "July to September 2025"
    with pytest.raises(quarters.QuarterError, match="write it like 2025Q3"):
        quarters.parse("2025-07")


def test_survey_answers_are_checked_and_blanks_left_out():
    assert survey.clean_answers({"dignity": "4", "safety": "", "control": " 1 "}) == {
        "dignity": 4,
        "control": 1,
    }
    with pytest.raises(survey.SurveyError, match="Feeling safe: choose one of the four"):
        survey.clean_answers({"safety": "5"})
    with pytest.raises(survey.SurveyError, match="at least one answer"):
        survey.clean_answers({})


def test_survey_aggregate_suppresses_small_counts_and_their_shares():
    many = [{"dignity": 4}] * 10 + [{"dignity": 2}] * 10 + [{"safety": 3}] * 3
    figures = {q.key: q for q in survey.aggregate(many)}
    assert figures["dignity"].answered == 20 and figures["dignity"].helped_pct == 50.0
    assert figures["safety"].answered is None and figures["safety"].helped_pct is None
    assert figures["control"].answered == 0 and figures["control"].helped_pct is None
    # 9 helped of 10: the one who did not could be singled out, so no share
    mostly = [{"independence": 4}] * 9 + [{"independence": 1}]
    fig = {q.key: q for q in survey.aggregate(mostly)}["independence"]
    assert fig.answered == 10 and fig.helped_pct is None
