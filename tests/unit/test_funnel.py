"""Funnel-plot control limits and over-dispersion (Spiegelhalter 2005), against hand-worked
values."""

import math

import pytest

from onestory.national.domain import funnel as fp


def test_proportion_limits_for_p0_ten_percent_and_n_100():
    lim = fp.limits(0.10, 100)
    assert round(lim.lower95, 4) == 0.0412 and round(lim.upper95, 4) == 0.1588
    # 99.8%: 0.10 ± 3.0902 × 0.03
    assert round(lim.lower998, 4) == 0.0073 and round(lim.upper998, 4) == 0.1927


def test_limits_narrow_as_size_grows_and_stay_within_zero_and_one():
    small, large = fp.limits(0.1, 10), fp.limits(0.1, 10_000)
    assert small.lower95 == 0.0 and small.lower998 == 0.0  # clipped
    assert large.upper95 - large.lower95 < small.upper95 - small.lower95
    assert fp.limits(0.99, 5).upper998 == 1.0


def test_rate_and_ratio_limits():
    rate = fp.limits(0.02, 10_000, "rate")  # 2 per 100 people a year, 10,000 people
    assert rate.upper95 == pytest.approx(0.02 + fp.Z95 * math.sqrt(0.02 / 10_000))
    ratio = fp.limits(1.0, 25, "ratio")  # 25 expected events
    assert ratio.lower95 == pytest.approx(1 - fp.Z95 / 5) and ratio.upper95 == pytest.approx(
        1 + fp.Z95 / 5
    )


def test_places_varying_only_by_chance_are_not_overdispersed():
    places = [fp.Place(str(i), 100 + d, 1000) for i, d in enumerate((-9, -4, 0, 3, 5, 8, -2, 1))]
    judged, d = fp.judge(places, 0.10)
    assert not d.overdispersed and d.phi < 1
    assert all(j.flag == "" for j in judged)
    assert "chance variation only" in d.describe()


def test_overdispersed_places_widen_the_limits_by_root_phi():
    ys = (60, 80, 95, 100, 105, 120, 140, 160, 70, 130)
    places = [fp.Place(str(i), y, 1000) for i, y in enumerate(ys)]
    p0 = fp.target(places)
    raw, _ = fp.judge(places, p0, method="none")
    widened, d = fp.judge(places, p0, method="multiplicative")
    assert d.overdispersed and d.phi > 3
    assert sum(1 for j in raw if j.flag) > sum(1 for j in widened if j.flag)
    width = widened[0].limits.upper95 - widened[0].limits.lower95
    chance = raw[0].limits.upper95 - raw[0].limits.lower95
    assert width / chance == pytest.approx(math.sqrt(d.phi))
    assert "widened by √φ" in d.describe()


def test_additive_random_effects_add_tau_squared():
    ys = (60, 80, 95, 100, 105, 120, 140, 160, 70, 130)
    places = [fp.Place(str(i), y, 1000 * (1 + i % 3)) for i, y in enumerate(ys)]
    p0 = fp.target(places)
    judged, d = fp.judge(places, p0, method="additive")
    assert d.overdispersed and d.tau2 > 0
    s = math.sqrt(fp.variance(p0, places[0].n, "proportion") + d.tau2)
    assert judged[0].limits.upper95 == pytest.approx(p0 + fp.Z95 * s)


def test_winsorising_pulls_in_the_extremes():
    values = [float(v) for v in range(1, 21)]  # 20 values: 2 each side are pulled in
    w = fp.winsorise(values)
    assert min(w) == 3.0 and max(w) == 18.0 and w[5] == 6.0


def test_flags_say_which_side_and_which_limit():
    places = [fp.Place("a", 250, 1000), fp.Place("b", 120, 1000), fp.Place("c", 100, 1000)]
    judged, _ = fp.judge(places, 0.10, method="none")
    assert [j.flag for j in judged] == ["high (99.8%)", "high (95%)", ""]


def test_chi_squared_percentile_close_to_tables():
    assert fp.chi2_upper_95(9) == pytest.approx(16.919, abs=0.02)
    assert fp.chi2_upper_95(30) == pytest.approx(43.773, abs=0.02)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="greater than zero"):
        fp.limits(0.1, 0)
    with pytest.raises(ValueError, match="Unknown kind"):
        fp.limits(0.1, 10, "odds")
    with pytest.raises(ValueError, match="Unknown method"):
        fp.dispersion([fp.Place("a", 1, 10)] * 3, 0.1, "proportion", "magic")
