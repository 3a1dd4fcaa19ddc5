"""Plain-English terms for SNOMED CT codes, units in words, and which problems are current."""

from datetime import date, timedelta

import pytest

from onestory.record.domain.clinical import (
    ACUTE_WEEKS,
    clean_display,
    medicine_current,
    plain_term,
    plain_units,
    problem_state,
)

try:  # the synthetic borough's own package on main; sources.domain.synth before the move
    from onestory.synthetic import reference
except ImportError:  # pragma: no cover - depends on the branch
    from onestory.sources.domain.synth import reference

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("code", "display", "expected"),
    [
        ("414545008", "Ischemic heart disease", "Coronary heart disease"),
        ("38341003", "Hypertensive disorder", "High blood pressure"),
        ("21522001", "Abdominal pain", "Stomach pain"),
        ("999999", "Anemia (disorder)", "Anemia"),
        ("", "Body mass index 30+ - obesity (finding)", "Body mass index 30+ - obesity"),
        ("", "Myocardial Infarction", "Myocardial infarction"),
        ("", "COPD review", "COPD review"),
    ],
)
def test_plain_term_uses_the_table_then_cleans_the_display(code, display, expected):
    assert plain_term(code, display) == expected


def test_every_condition_and_diagnosis_code_the_borough_writes_has_a_plain_term():
    from onestory.record.domain.clinical import PLAIN_TERMS

    codes = {c for c, _ in (*reference.CONDITIONS.values(), *reference.DIAGNOSES.values())}
    assert codes - set(PLAIN_TERMS) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Systolic blood pressure: 108 mm[Hg]", "Systolic blood pressure: 108 mmHg"),
        ("Body mass index: 27.1 kg/m2", "Body mass index: 27.1 kg/m²"),
        ("Body temperature: 37.2 Cel", "Body temperature: 37.2 °C"),
        ("eGFR: 58 mL/min/{1.73_m2}", "eGFR: 58 mL/min/1.73m²"),
        ("Heart rate: 70 /min", "Heart rate: 70 per minute"),
        ("Diagnosis: Cellulitis", "Diagnosis: Cellulitis"),
        ("Score: 7 {score}, taken 3 Cel", "Score: 7 points, taken 3 °C"),
    ],
)
def test_plain_units_writes_units_as_people_read_them(text, expected):
    assert plain_units(text) == expected


@pytest.mark.parametrize(
    ("code", "status", "end", "onset", "current", "reason"),
    [
        # A long-term condition stays current whatever its age.
        ("38341003", "active", None, date(2001, 1, 1), True, ""),
        ("38341003", "", None, date(2001, 1, 1), True, ""),
        # A source says it is over.
        ("444814009", "resolved", date(2026, 1, 9), date(2026, 1, 1), False, "resolved"),
        ("195967001", "inactive", None, date(2010, 1, 1), False, "inactive"),
        ("195967001", "", date(2020, 1, 1), date(2010, 1, 1), False, "ended"),
        # Acute, no status: current while recent, past after ACUTE_WEEKS.
        ("21522001", "", None, TODAY - timedelta(weeks=ACUTE_WEEKS - 1), True, ""),
        ("21522001", "", None, TODAY - timedelta(weeks=ACUTE_WEEKS + 1), False, "short-term"),
        # Acute but a source still calls it active: trust the source.
        ("444814009", "active", None, date(2020, 1, 1), True, ""),
        # An end date still to come.
        ("195967001", "", TODAY + timedelta(days=3), date(2026, 1, 1), True, ""),
    ],
)
def test_problem_state_follows_the_documented_rule(code, status, end, onset, current, reason):
    state = problem_state(code=code, status=status, end=end, onset=onset, today=TODAY)
    assert (state.current, state.reason) == (current, reason)


def test_medicine_current_when_issued_recently_and_not_stopped():
    recent = TODAY - timedelta(days=30)
    assert medicine_current(status="active", last_issued=recent, today=TODAY)
    assert not medicine_current(status="stopped", last_issued=recent, today=TODAY)
    assert not medicine_current(
        status="active", last_issued=TODAY - timedelta(days=400), today=TODAY
    )


def test_plain_title_swaps_the_source_wording_for_plain_words():
    from onestory.record.domain.clinical import plain_title

    assert (
        plain_title("Diagnosis: Ischemic heart disease", "414545008", "Ischemic heart disease")
        == "Diagnosis: Coronary heart disease"
    )
    assert plain_title("Diagnosis: Anemia (disorder)", "x", "Anemia (disorder)") == (
        "Diagnosis: Anemia"
    )
    assert plain_title("Systolic blood pressure: 108 mm[Hg]", "", "") == (
        "Systolic blood pressure: 108 mmHg"
    )


def test_clinical_title_keeps_the_clinical_words_without_tags():
    from onestory.record.domain.clinical import clinical_title

    assert clinical_title("Diagnosis: Viral sinusitis (disorder)") == "Diagnosis: Viral sinusitis"
    assert clinical_title("Systolic blood pressure: 108 mm[Hg]") == (
        "Systolic blood pressure: 108 mmHg"
    )


def test_clean_display_keeps_acronyms_and_drops_the_semantic_tag():
    assert clean_display("Acute viral pharyngitis (disorder)") == "Acute viral pharyngitis"
    assert clean_display("History of cardiac arrest (situation)") == "History of cardiac arrest"
    assert clean_display("Coronary Heart Disease") == "Coronary heart disease"
