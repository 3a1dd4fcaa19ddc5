"""The risk-of-admission model: fitting, AUC, calibration, and that it beats age alone."""

import numpy as np
import pytest

from onestory.casework.domain import risk


def _cohort(n=20_000, seed=7):
    """People whose admission depends on frailty and prior admissions as well as age, as in
    the synthetic borough."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 100, n)
    deficits = rng.binomial(36, np.clip((age - 30) / 400, 0.01, 0.3))
    prior = rng.poisson(0.05 + deficits * 0.04)
    ae = rng.poisson(0.2 + deficits * 0.03)
    package = rng.random(n) < deficits / 40
    alone = rng.random(n) < 0.3
    carer = rng.random(n) < 0.05
    logit = -4.5 + 0.015 * age + 0.18 * deficits + 0.6 * prior + 0.1 * ae + 0.3 * package
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    columns = {
        "age": age,
        "efi_deficits": deficits,
        "emergency_admissions_12m": prior,
        "ae_attendances_12m": ae,
        "social_care_package": package.astype(int),
        "lives_alone": alone.astype(int),
        "has_unpaid_carer": carer.astype(int),
    }
    return np.arange(n), risk.design(columns), y.astype(float)


def test_risk_model_beats_age_alone_on_held_out_people():
    ids, x, y = _cohort()
    test = risk.held_out(ids)
    full = risk.fit_logistic(x[~test], y[~test], risk.FEATURE_NAMES)
    age_only = risk.fit_logistic(x[~test][:, :2], y[~test], ("age",))
    auc_full = risk.auc(y[test], full.predict(x[test]))
    auc_age = risk.auc(y[test], age_only.predict(x[test][:, :2]))
    assert auc_full > auc_age + 0.03
    # And it recovers the direction of the effects it was given.
    coef = dict(zip(full.names, full.coefficients, strict=True))
    assert coef["efi_deficits"] > 0 and coef["emergency_admissions_12m"] > 0


def test_risk_model_is_calibrated_on_held_out_people():
    ids, x, y = _cohort()
    test = risk.held_out(ids)
    model = risk.fit_logistic(x[~test], y[~test], risk.FEATURE_NAMES)
    bins = risk.calibration(y[test], model.predict(x[test]))
    assert len(bins) == 10 and sum(b.people for b in bins) == int(test.sum())
    for b in bins:
        assert abs(b.observed - b.mean_predicted) < 0.05


@pytest.mark.parametrize(
    ("y", "score", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1.0),
        ([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1], 0.0),
        ([0, 1], [0.5, 0.5], 0.5),
        ([0, 1, 0, 1], [0.1, 0.4, 0.5, 0.8], 0.75),
    ],
)
def test_auc_matches_hand_computed_values(y, score, expected):
    assert risk.auc(np.array(y), np.array(score)) == pytest.approx(expected)


def test_auc_needs_both_outcomes():
    with pytest.raises(ValueError):
        risk.auc(np.array([1, 1]), np.array([0.2, 0.3]))


def test_held_out_split_is_deterministic_and_about_thirty_percent():
    ids = np.arange(100_000)
    test = risk.held_out(ids)
    assert np.array_equal(test, risk.held_out(ids))
    assert 0.28 < test.mean() < 0.32


def test_model_round_trips_through_a_dict():
    model = risk.LogisticModel(("age",), -2.0, (0.3,))
    assert risk.LogisticModel.from_dict(model.as_dict()) == model
