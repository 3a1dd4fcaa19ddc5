"""Intervals and standardised rates against hand-worked figures (PHE technical guide
methods: Byar, Dobson, Wilson)."""

from fractions import Fraction

import pytest

from onestory.commissioning.domain import stats


@pytest.mark.parametrize(
    ("observed", "low", "high"),
    [
        # Byar: O(1 - 1/9O - z/3sqrt(O))^3 and (O+1)(1 - 1/9(O+1) + z/3sqrt(O+1))^3
        (0, 0.0, 3.668),
        (1, 0.0131, 5.564),
        (10, 4.787, 18.391),
        (100, 81.36, 121.63),
    ],
)
def test_byar_limits_match_hand_worked_values(observed, low, high):
    got = stats.byar(observed)
    assert got[0] == pytest.approx(low, abs=5e-3)
    assert got[1] == pytest.approx(high, abs=5e-3)


@pytest.mark.parametrize(
    ("numerator", "denominator", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # Newcombe 1998 method 3
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe's worked example
    ],
)
def test_wilson_interval_matches_hand_worked_values(numerator, denominator, low, high):
    got = stats.wilson(numerator, denominator)
    assert got[0] == pytest.approx(low, abs=1e-4)
    assert got[1] == pytest.approx(high, abs=1e-4)


def test_wilson_refuses_a_numerator_above_the_denominator():
    with pytest.raises(ValueError):
        stats.wilson(3, 2)


@pytest.mark.parametrize(
    ("rate", "populations"),
    [
        (Fraction(3, 100), [100, 200, 300, 400, 500, 600]),
        (Fraction(1, 7), [7, 14, 700, 7000, 70, 7]),
        (Fraction(0), [10, 10, 10, 10, 10, 10]),
    ],
)
def test_standardised_rate_is_exactly_r_when_every_band_has_rate_r(rate, populations):
    observed = [int(rate * n) for n in populations]
    weights = [w for _lo, _hi, w in stats.ESP2013_65PLUS]
    got = stats.directly_standardised(observed, populations, weights)
    assert got.value == float(rate * 100_000)


def test_standardised_rate_and_dobson_interval_hand_worked():
    # rates 1% and 2%, weights 1 and 3: (0.01 + 3 * 0.02) / 4 = 1.75%, 1,750 per 100,000;
    # var = (1 * 10 / 1000^2 + 9 * 20 / 1000^2) / 16 = 1.1875e-5, so sqrt(var / O) is
    # 62.92 per 100,000; Byar on 30 gives 20.238 and 42.82.
    got = stats.directly_standardised([10, 20], [1000, 1000], [1, 3])
    assert got.value == 1750.0
    assert got.numerator == 30 and got.denominator == 2000
    assert got.ci95 == pytest.approx((1135.75, 2557.10), abs=0.05)


def test_standardised_rate_with_events_but_no_population_is_an_error():
    with pytest.raises(ValueError):
        stats.directly_standardised([1, 0], [0, 10], [1, 1])


def test_indirectly_standardised_against_own_rates_is_the_crude_rate():
    population = [1000, 3000]
    observed = [10, 60]
    reference = [Fraction(10, 1000), Fraction(60, 3000)]
    got = stats.indirectly_standardised(observed, population, reference, Fraction(70, 4000))
    assert got.value == pytest.approx(1750.0)
    low, high = stats.byar(70)
    assert got.ci95 == pytest.approx((low * 25, high * 25))


def test_indirectly_standardised_compares_an_older_area_with_the_standard():
    # The standard: 1% under 65, 5% at 65+; crude 2%. An area of 100 young and 100 old
    # expects 1 + 5 = 6 and sees 12: ratio 2, rate 2 * 2% = 4,000 per 100,000.
    got = stats.indirectly_standardised(
        [2, 10], [100, 100], [Fraction(1, 100), Fraction(5, 100)], Fraction(2, 100)
    )
    assert got.value == pytest.approx(4000.0)


def test_esp2013_weights_sum_to_100000_and_bands_cover_every_age():
    assert sum(w for _lo, _hi, w in stats.ESP2013) == 100_000
    assert sum(w for _lo, _hi, w in stats.ESP2013_65PLUS) == 19_500
    assert stats.esp_band(0) == 0 and stats.esp_band(104) == len(stats.ESP2013) - 1
    assert stats.esp_band(64, stats.ESP2013_65PLUS) is None
