"""Synthetic control (Abadie, Diamond and Hainmueller, JASA 2010), on outcomes alone.

The synthetic unit is a weighted average of the controls (the donor pool) whose path before
the start is as close as possible to the treated unit's (the mean of the treated units when
there are several): weights w ≥ 0 with Σw = 1 minimising Σ_pre (y_tr,t − Σ_j w_j y_j,t)².
The effect in each period after the start is the gap between the treated unit and its
synthetic unit; the estimate is the mean gap after the start.

Inference is by placebo: each control in turn is treated as if it had been treated, with the
other controls as its donors (in space), or the start is moved back into the pre-period (in
time). The ratio of the root mean squared prediction error (RMSPE) after the start to before
it measures how unusual a unit's post-period gap is given how well it was fitted; the
permutation p-value is the share of units (the treated one included) whose ratio is at least
the treated unit's.

The weights are found as Arkhangelsky et al. (2021) compute them (`sdid.estimate_many` with
method "scm": Frank–Wolfe on the simplex, a negligible ridge, no intercept), so that the
published Prop 99 figure is reproduced. `exact_weights` solves the same problem exactly by
non-negative least squares with the sum-to-one constraint as a heavily weighted extra
equation (scipy.optimize.nnls); the tests use it to check how close the iterative fit gets.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import nnls

from onestory.evaluation.domain.panel import Panel
from onestory.evaluation.domain.sdid import Weighted, estimate_many

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SyntheticFit:
    att: float  # mean gap after the start
    weights: Array  # one per donor, non-negative, summing to one
    gaps: Array  # per period: treated − synthetic
    pre_rmspe: float
    post_rmspe: float

    @property
    def ratio(self) -> float:
        """Post/pre RMSPE; infinite for a perfect pre-period fit with any gap after."""
        if self.pre_rmspe > 0:
            return self.post_rmspe / self.pre_rmspe
        return 0.0 if self.post_rmspe == 0 else float("inf")


@dataclass(frozen=True)
class Placebos:
    ratios: dict[str, float]  # each control's post/pre RMSPE ratio as if it were treated
    treated_ratio: float
    p_value: float


def exact_weights(donors: Array, target: Array) -> Array:
    """w ≥ 0, Σw = 1 minimising ‖donorsᵀ w − target‖² exactly (donors: k × periods)."""
    k = donors.shape[0]
    if k == 1:
        return np.ones(1)
    scale = max(float(np.abs(donors).max()), float(np.abs(target).max()), 1.0)
    big = 1e3 * scale * np.sqrt(donors.shape[1])
    a = np.vstack([donors.T, np.full((1, k), big)])
    b = np.concatenate([target, [big]])
    w, _ = nnls(a, b, maxiter=50 * k)
    w = np.clip(w, 0.0, None)
    total = w.sum()
    return w / total if total > 0 else np.full(k, 1.0 / k)


def _synthetic(w: Weighted, n_pre: int) -> SyntheticFit:
    pre, post = w.gaps[:n_pre], w.gaps[n_pre:]
    return SyntheticFit(
        att=w.att,
        weights=w.omega,
        gaps=w.gaps,
        pre_rmspe=float(np.sqrt(np.mean(pre**2))),
        post_rmspe=float(np.sqrt(np.mean(post**2))),
    )


def fit(p: Panel) -> SyntheticFit:
    """The synthetic control for the (mean of the) treated units, donors = all controls."""
    return _synthetic(estimate_many([p], "scm")[0], p.n_pre)


def placebo_fits(p: Panel) -> dict[str, SyntheticFit]:
    """Each control as if it alone were treated, the other controls its donors."""
    n0 = p.n_control
    if n0 < 2:
        return {}
    panels = []
    for j in range(n0):
        order = [i for i in range(n0) if i != j] + [j]
        panels.append(Panel(tuple(p.units[i] for i in order), p.periods, p.y[order], 1, p.n_pre))
    fits = estimate_many(panels, "scm")
    return {p.units[j]: _synthetic(f, p.n_pre) for j, f in enumerate(fits)}


def in_space_placebos(
    p: Panel,
    treated_fit: SyntheticFit | None = None,
    fits: dict[str, SyntheticFit] | None = None,
) -> Placebos:
    """Post/pre RMSPE ratios of every placebo and the permutation p-value: the share of all
    units, the treated one included, whose ratio is at least the treated unit's."""
    real = treated_fit or fit(p)
    placebo = placebo_fits(p) if fits is None else fits
    ratios = {u: f.ratio for u, f in placebo.items()}
    at_least = 1 + sum(1 for r in ratios.values() if r >= real.ratio)
    return Placebos(ratios=ratios, treated_ratio=real.ratio, p_value=at_least / (len(ratios) + 1))


def in_time_placebo(p: Panel, fake_start: int | None = None) -> SyntheticFit:
    """The start moved back to period index `fake_start` (default: the middle of the
    pre-period), fitted on the periods before it and judged only on the real pre-period.
    A large "effect" here means the method finds effects where there was none."""
    t0 = p.n_pre
    fake = fake_start if fake_start is not None else t0 // 2
    if not 1 <= fake < t0:
        raise ValueError("the in-time placebo needs a fake start inside the pre-period")
    early = Panel(p.units, p.periods[:t0], p.y[:, :t0], p.n_treated, fake)
    return fit(early)
