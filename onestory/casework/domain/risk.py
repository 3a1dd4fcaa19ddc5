"""Risk of an unplanned (emergency) admission in the next 12 months: a logistic regression
on a handful of features a team can read, fitted by iteratively reweighted least squares
with a small ridge penalty (numpy only), and the figures that say how good it is: the area
under the ROC curve and a calibration table by tenth of predicted risk.

The model is trained on the borough itself: features as they stood one year before the
date, outcome whether the person had an emergency admission in the year that followed.
Coefficients are per unit of each feature (per year of age, per deficit …), so an odds
ratio reads directly: exp(coefficient) per unit.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# (name, label, unit) in the order of the model's columns.
FEATURES: tuple[tuple[str, str, str], ...] = (
    ("age", "Age", "per 10 years"),
    ("efi_deficits", "eFI deficits", "per deficit"),
    ("emergency_admissions_12m", "Emergency admissions in the last 12 months", "per admission"),
    ("ae_attendances_12m", "A&E attendances in the last 12 months", "per attendance"),
    ("social_care_package", "Receives a social care package", "yes/no"),
    ("lives_alone", "Lives alone", "yes/no"),
    ("has_unpaid_carer", "Has an unpaid carer", "yes/no"),
)
FEATURE_NAMES = tuple(f[0] for f in FEATURES)
# Counts are capped so that a handful of extreme histories do not steer the fit.
CAPS = {"emergency_admissions_12m": 5, "ae_attendances_12m": 10}
AGE_SCALE = 10.0


def design(columns: dict[str, np.ndarray], names: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
    """The model matrix (intercept first) from feature columns, with age per 10 years and
    the counts capped."""
    n = len(next(iter(columns.values())))
    out = np.ones((n, len(names) + 1), dtype=np.float64)
    for j, name in enumerate(names, start=1):
        col = np.asarray(columns[name], dtype=np.float64)
        if name == "age":
            col = col / AGE_SCALE
        if name in CAPS:
            col = np.minimum(col, CAPS[name])
        out[:, j] = col
    return out


@dataclass(frozen=True)
class LogisticModel:
    names: tuple[str, ...]
    intercept: float
    coefficients: tuple[float, ...]

    def linear(self, x: np.ndarray) -> np.ndarray:
        return self.intercept + x[:, 1:] @ np.asarray(self.coefficients)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for a model matrix from `design`."""
        return 1.0 / (1.0 + np.exp(-self.linear(x)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's part of the log-odds for each row (coefficient × value)."""
        return x[:, 1:] * np.asarray(self.coefficients)

    def as_dict(self) -> dict:
        return {
            "names": list(self.names),
            "intercept": self.intercept,
            "coefficients": list(self.coefficients),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "LogisticModel":
        return cls(tuple(d["names"]), float(d["intercept"]), tuple(d["coefficients"]))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, names: Sequence[str], ridge: float = 1e-3, iterations: int = 50
) -> LogisticModel:
    """Maximum likelihood (with a small L2 penalty on the slopes, for stability when a
    feature is rare) by Newton–Raphson / IRLS."""
    y = np.asarray(y, dtype=np.float64)
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], ridge * len(y))
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        w = p * (1 - p)
        gradient = x.T @ (y - p) - penalty * beta
        hessian = (x * w[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    return LogisticModel(tuple(names), float(beta[0]), tuple(float(b) for b in beta[1:]))


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney, ties counted half)."""
    y = np.asarray(y).astype(bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both outcomes")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score), dtype=np.float64)
    sorted_scores = np.asarray(score)[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True)
class CalibrationBin:
    people: int
    mean_predicted: float
    observed: float


def calibration(y: np.ndarray, p: np.ndarray, bins: int = 10) -> tuple[CalibrationBin, ...]:
    """Observed against mean predicted risk by group of predicted risk (equal-sized
    groups, lowest risk first)."""
    order = np.argsort(p, kind="mergesort")
    out = []
    for chunk in np.array_split(order, bins):
        if len(chunk):
            out.append(CalibrationBin(len(chunk), float(p[chunk].mean()), float(y[chunk].mean())))
    return tuple(out)


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p) - np.asarray(y)) ** 2))


def held_out(ids: np.ndarray, fraction: float = 0.3) -> np.ndarray:
    """A deterministic test split by person id (a multiplicative hash), so that re-runs and
    both models compare on the same people."""
    h = (np.asarray(ids, dtype=np.uint64) * np.uint64(2654435761)) % np.uint64(1000)
    return h < np.uint64(int(fraction * 1000))
