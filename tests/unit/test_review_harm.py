import pytest

from onestory.people.domain.harm import (
    Impact,
    expected_harm,
    order_by_harm,
    wrong_decision_probability,
)


def test_wrong_decision_probability_peaks_at_an_even_chance():
    assert wrong_decision_probability(0.5) == 0.5
    assert wrong_decision_probability(0.9) < wrong_decision_probability(0.6)
    assert wrong_decision_probability(0.1) == pytest.approx(wrong_decision_probability(0.9))


def test_expected_harm_safeguarding_outranks_more_uncertain_quiet_pair():
    quiet = expected_harm(0.5, Impact())
    flagged = expected_harm(0.8, Impact(safeguarding=True))
    assert flagged.score > quiet.score
    assert flagged.reasons == ("safeguarding",)
    assert quiet.reason == "no activity recorded"


def test_expected_harm_reason_lists_every_fact_most_serious_first():
    harm = expected_harm(0.6, Impact(safeguarding=True, open_care=True, sources=4))
    assert harm.reason == "safeguarding; open care package; 4 sources"


def test_order_by_harm_puts_open_care_above_equal_uncertainty():
    ordered = order_by_harm(
        [("quiet", 0.6, Impact()), ("care", 0.6, Impact(open_care=True)), ("sure", 0.99, Impact())]
    )
    assert [k for k, _ in ordered] == ["care", "quiet", "sure"]


def test_queue_estimate_sums_the_pairs_probabilities():
    from onestory.people.domain.harm import queue_estimate

    est = queue_estimate([0.5, 0.9, 0.6])
    assert est.pairs == 3
    assert est.expected_matches == pytest.approx(2.0)
    assert est.expected_non_matches == pytest.approx(1.0)
