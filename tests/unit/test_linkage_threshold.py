"""The link threshold chosen from the model's own estimate of its precision (ADR 0015)."""

import pytest

from onestory.people.domain.threshold import choose_threshold


def test_threshold_is_the_lowest_whose_estimated_precision_meets_the_target():
    # 100 near-certain pairs, then weaker ones: the mean of the pairs at or above each
    # threshold falls as weaker pairs join
    ps = [0.9999] * 100 + [0.95] * 2 + [0.85] * 5 + [0.6] * 20
    choice = choose_threshold(ps, target_precision=0.998, floor=0.5, ceiling=0.99)
    assert choice.threshold == 0.95
    assert choice.estimated_precision >= 0.998
    above = [p for p in ps if p >= choice.threshold]
    assert choice.expected_false_links == pytest.approx(sum(1 - p for p in above))
    assert choice.estimated_recall == pytest.approx(sum(above) / sum(ps))


def test_threshold_stays_within_floor_and_ceiling():
    assert choose_threshold([0.99999] * 50, floor=0.8).threshold == 0.8  # all sure: floor
    # nothing reaches the target: the ceiling, never stricter
    assert choose_threshold([0.9, 0.85], target_precision=0.999).threshold == 0.99
    assert choose_threshold([], target_precision=0.999).threshold == 0.99


def test_a_stricter_target_never_lowers_the_threshold():
    ps = [0.999] * 30 + [0.97] * 10 + [0.9] * 10 + [0.82] * 10
    loose = choose_threshold(ps, target_precision=0.99).threshold
    strict = choose_threshold(ps, target_precision=0.999).threshold
    assert strict >= loose


def test_single_field_blocks_are_used_only_when_the_data_can_afford_them():
    from onestory.people.engines.splink_linker import affordable_blocks

    n = 100
    cols = {
        "unique_id": list(range(n)),
        "dob": [f"19{i % 90:02d}-01-01" for i in range(n)],  # few pairs per value
        "postcode": [None] * n,  # nothing to block on: no pairs
        "given": ["ann"] * n,  # one value: n(n-1)/2 = 4,950 pairs > 25 per record
        "family": [f"f{i}" for i in range(n)],
    }
    assert affordable_blocks(cols) == [
        "l.dob = r.dob",
        "l.postcode = r.postcode",
        "l.family = r.family",
    ]
