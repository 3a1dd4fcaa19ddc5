"""Matching people taken onto the caseload to people who were not."""

from onestory.casework.domain.matching import Candidate, match


def test_matching_is_exact_on_sex_and_nearest_on_risk_and_age():
    cases = [Candidate(1, "female", 0.40, 80)]
    pool = [
        Candidate(2, "male", 0.40, 80),  # same risk and age, other sex
        Candidate(3, "female", 0.10, 40),
        Candidate(4, "female", 0.38, 79),
    ]
    assert match(cases, pool) == {1: 4}


def test_matching_is_without_replacement():
    cases = [Candidate(1, "female", 0.4, 80), Candidate(2, "female", 0.4, 80)]
    pool = [Candidate(3, "female", 0.4, 80), Candidate(4, "female", 0.1, 50)]
    assert match(cases, pool) == {1: 3, 2: 4}


def test_matching_never_uses_a_case_as_a_control_and_reports_no_match():
    cases = [Candidate(1, "male", 0.5, 70), Candidate(2, "female", 0.5, 70)]
    pool = [Candidate(1, "male", 0.5, 70), Candidate(3, "female", 0.5, 71)]
    assert match(cases, pool) == {1: None, 2: 3}
