"""The Better Care Fund plan's pure rules: variance alerts, the pool's totals, the risk
share arithmetic and whether a metric is on track (hand-worked cases)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from onestory.bcf.domain import plan, targets


@pytest.mark.parametrize(
    "planned, actual, alert, direction",
    [
        (100_000, 100_000, False, "on plan"),
        (100_000, 110_000, False, "over"),  # exactly 10% over: no alert
        (100_000, 110_001, True, "over"),  # just past 10%
        (100_000, 90_000, False, "under"),  # exactly 10% under
        (100_000, 89_999, True, "under"),
        (100_000, 0, True, "under"),  # nothing spent against a plan
        (0, 0, False, "on plan"),  # nothing planned, nothing spent
        (0, 1, True, "over"),  # spent where nothing was planned
    ],
)
def test_variance_alerts_beyond_ten_percent_either_way(planned, actual, alert, direction):
    v = plan.variance(planned, actual)
    assert v.alert is alert
    assert v.direction == direction
    assert v.difference == actual - planned


def test_variance_percent_is_exact_and_none_without_a_plan():
    assert plan.variance(300, 400).percent == Fraction(100, 3)
    assert plan.variance(0, 5).percent is None
    assert plan.VARIANCE_THRESHOLD_PCT == 10


def test_to_date_sums_quarters_and_treats_unrecorded_as_nothing():
    spent = {1: 100, 2: None, 3: 50, 4: 7}
    assert plan.to_date(spent, 1) == 100
    assert plan.to_date(spent, 3) == 150
    assert plan.to_date(spent, 4) == 157
    with pytest.raises(ValueError):
        plan.to_date(spent, 5)


def test_pool_check_warns_when_the_plan_exceeds_the_contributions():
    ok = plan.pool_check([1_000_00, 500_00], [700_00, 800_00])
    assert (ok.contributions, ok.planned, ok.headroom, ok.over) == (1_500_00, 1_500_00, 0, False)
    assert ok.warning == ""
    over = plan.pool_check([1_000_00], [700_00, 800_01])
    assert over.over and over.headroom == -500_01
    assert over.warning == (
        "The schemes plan to spend £1,500.01, £500.01 more than the pool's £1,000.00."
    )


@pytest.mark.parametrize(
    "amount, pct, council, nhs",
    [
        (1_000_00, 50, 500_00, 500_00),
        (1_000_00, 0, 0, 1_000_00),
        (1_000_00, 100, 1_000_00, 0),
        (1, 50, 1, 0),  # half a penny rounds up to the council
        (333, 33, 110, 223),  # 109.89 -> 110
        (-333, 33, -110, -223),  # an underspend splits the same way
    ],
)
def test_split_adds_back_up_exactly(amount, pct, council, nhs):
    assert plan.split(amount, pct) == (council, nhs)
    assert sum(plan.split(amount, pct)) == amount


def test_risk_share_uses_the_overspend_or_the_underspend_terms():
    over = plan.risk_share(
        10_000_00, 12_000_00, overspend_council_pct=60, underspend_council_pct=30
    )
    assert (over.overspend, over.underspend, over.council, over.nhs) == (
        2_000_00,
        0,
        1_200_00,
        800_00,
    )
    under = plan.risk_share(
        10_000_00, 9_000_00, overspend_council_pct=60, underspend_council_pct=30
    )
    assert (under.overspend, under.underspend, under.council, under.nhs) == (
        0,
        1_000_00,
        -300_00,
        -700_00,
    )
    even = plan.risk_share(5, 5, overspend_council_pct=60, underspend_council_pct=30)
    assert (even.council, even.nhs) == (0, 0)
    with pytest.raises(ValueError):
        plan.risk_share(1, 2, overspend_council_pct=101, underspend_council_pct=0)


def test_years_and_labels():
    assert plan.years_between(2025, 2026) == [2025, 2026]
    assert plan.year_label(2025) == "2025-26" and plan.year_label(2099) == "2099-00"
    with pytest.raises(ValueError):
        plan.years_between(2026, 2025)


def test_scheme_types_follow_the_planning_template():
    labels = set(plan.SCHEME_TYPES.values())
    for expected in (
        "Assistive technologies and equipment",
        "Carers' services",
        "DFG related schemes",
        "High impact change model for managing transfer of care",
        "Bed-based intermediate care services",
        "Home-based intermediate care services",
        "Residential placements",
        "Workforce recruitment and retention",
        "Other",
    ):
        assert expected in labels
    assert len(plan.SCHEME_TYPES) == 18


@pytest.mark.parametrize(
    "metric, value, target, status",
    [
        # lower is better
        (targets.AVOIDABLE, 790.0, Decimal("800"), targets.ON_TRACK),
        (targets.AVOIDABLE, 800.0, Decimal("800"), targets.ON_TRACK),  # equal meets it
        (targets.AVOIDABLE, 800.1, Decimal("800"), targets.NOT_ON_TRACK),
        (targets.FALLS, 2100.0, Decimal("2000"), targets.NOT_ON_TRACK),
        (targets.PERMANENT, 500.0, Decimal("550"), targets.ON_TRACK),
        # higher is better
        (targets.DISCHARGE, 93.2, Decimal("92.5"), targets.ON_TRACK),
        (targets.DISCHARGE, 91.0, Decimal("92.5"), targets.NOT_ON_TRACK),
        (targets.REABLEMENT, 82.0, Decimal("82.0"), targets.ON_TRACK),
        (targets.REABLEMENT, 70.0, Decimal("82.0"), targets.NOT_ON_TRACK),
    ],
)
def test_on_track_follows_each_metrics_better_direction(metric, value, target, status):
    assert targets.on_track(metric, value, target).status == status


def test_on_track_cannot_judge_a_withheld_or_missing_figure_or_no_target():
    assert targets.on_track(targets.FALLS, None, Decimal(1), suppressed=True).status == (
        targets.WITHHELD
    )
    assert targets.on_track(targets.FALLS, None, Decimal(1)).status == targets.NO_FIGURE
    assert targets.on_track(targets.FALLS, 5.0, None).status == targets.NO_TARGET
    assert targets.on_track(targets.FALLS, None, Decimal(1), computed=False).status == (
        targets.NOT_COMPUTED
    )
    assert "withheld" in targets.on_track(targets.FALLS, None, Decimal(1), suppressed=True).label


def test_directions_cover_the_five_metrics_and_targets_are_checked():
    assert {targets.better(m) for m in targets.METRICS} == {"lower", "higher"}
    assert [m for m in targets.METRICS if targets.better(m) == "higher"] == [
        targets.DISCHARGE,
        targets.REABLEMENT,
    ]
    with pytest.raises(ValueError):
        targets.better("made_up")
    with pytest.raises(ValueError, match="more than 100"):
        targets.check_target(targets.DISCHARGE, Decimal("100.1"))
    targets.check_target(targets.FALLS, Decimal("2500"))  # a rate may exceed 100
    with pytest.raises(ValueError, match="100,000"):
        targets.check_target(targets.FALLS, Decimal("100000.1"))
    with pytest.raises(ValueError, match="negative"):
        targets.check_target(targets.FALLS, Decimal("-1"))


def test_benchmark_is_the_quarters_trajectory_else_the_years_target():
    trajectory = {1: Decimal("90"), 2: None, 3: None, 4: None}
    assert targets.benchmark(Decimal("92"), trajectory, 1) == Decimal("90")
    assert targets.benchmark(Decimal("92"), trajectory, 2) == Decimal("92")
