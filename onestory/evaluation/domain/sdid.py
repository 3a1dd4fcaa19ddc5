"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager,
American Economic Review 2021).

The estimate is a weighted two-way comparison: unit weights ω make the controls' pre-period
path parallel to the treated units' (up to a constant), time weights λ make the pre-period
comparable to the post-period for the controls (up to a constant), and

    τ = (ȳ_tr,post − Σ_t λ_t ȳ_tr,t) − Σ_i ω_i (ȳ_i,post − Σ_t λ_t y_i,t).

Weights are found as in the paper and its reference software: a regularised least squares on
the simplex, solved by Frank–Wolfe, run briefly, sparsified (weights under a quarter of the
largest set to zero) and run again. Unit weights are regularised with
ζ = (N_tr·T_post)^¼ · σ, where σ is the standard deviation of the controls' first
differences before the start; time weights with ζ = 10⁻⁶·σ. Both have an intercept.

The same machinery gives the two estimators the paper compares it with: difference-in-
differences (uniform ω and λ) and synthetic control (ω with no intercept and almost no
regularisation, λ = 0). The standard error is the placebo one (the paper's Algorithm 4):
controls are given the treatment in turn and the spread of those estimates is the error.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np
from numpy.typing import NDArray

from onestory.evaluation.domain.panel import Panel

Array = NDArray[np.float64]

MAX_ITER_BEFORE_SPARSIFY = 100
MAX_ITER = 10_000


@dataclass(frozen=True)
class Weighted:
    """One weighted estimate: τ with its unit weights (controls) and time weights (pre)."""

    att: float
    omega: Array  # one per control, non-negative, summing to one
    omega0: float  # the intercept between the treated and the weighted controls
    lam: Array  # one per pre-period (zeros for synthetic control)
    gaps: Array  # per period: treated − (weighted controls + intercept)
    pre_rmspe: float


def noise_level(y_control_pre: Array) -> float:
    """σ: the standard deviation of the controls' period-to-period changes before the start."""
    d = np.diff(y_control_pre, axis=1)
    return float(np.std(d, ddof=1)) if d.size > 1 else 0.0


def simplex_weights(
    y: Array,
    zeta: Array,
    *,
    intercept: bool,
    start: Array | None = None,
    min_decrease: Array,
    max_iter: int,
) -> Array:
    """Weights w on the simplex minimising ζ²‖w‖² + ‖A w − b‖²/n, by Frank–Wolfe, for a
    batch of P problems at once.

    `y` is P × n × (k+1): for each problem the columns of A then b (e.g. rows = pre-periods,
    columns = controls then the treated mean); `zeta` and `min_decrease` have one value per
    problem. With `intercept`, each column is centred first, so only the shape of a path has
    to match, not its level. Each step moves towards the vertex with the smallest gradient by
    the exact line search; a problem stops when its objective falls by no more than
    `min_decrease`² in a step. The work is on the Gram matrices A'A, and the P problems (e.g.
    every placebo) go through each step together.
    """
    n_problems, n, k1 = y.shape
    k = k1 - 1
    if intercept:
        y = y - y.mean(axis=1, keepdims=True)
    a, b = y[:, :, :k], y[:, :, k]
    gram = np.einsum("pni,pnj->pij", a, a)
    ab = np.einsum("pni,pn->pi", a, b)
    bb = np.einsum("pn,pn->p", b, b)
    w = np.full((n_problems, k), 1.0 / k) if start is None else start.astype(float).copy()
    zeta2 = np.asarray(zeta, dtype=float) ** 2
    eta = n * zeta2
    tolerance = np.asarray(min_decrease, dtype=float) ** 2
    gw = np.einsum("pij,pj->pi", gram, w)
    rows = np.arange(n_problems)
    previous = np.full(n_problems, np.inf)
    active = np.ones(n_problems, dtype=bool)
    for _ in range(max_iter):
        half_grad = gw - ab + eta[:, None] * w
        i = np.argmin(half_grad, axis=1)
        # along d = e_i − w: ‖A d‖², ‖d‖² and the gradient's slope
        ad2 = gram[rows, i, i] - 2.0 * gw[rows, i] + np.einsum("pk,pk->p", w, gw)
        dd = 1.0 - 2.0 * w[rows, i] + np.einsum("pk,pk->p", w, w)
        slope = half_grad[rows, i] - np.einsum("pk,pk->p", half_grad, w)
        denom = ad2 + eta * dd
        movable = active & (dd > 0) & (denom > 0)
        step = np.where(movable, np.clip(-slope / np.where(denom > 0, denom, 1.0), 0, 1), 0.0)
        w = (1.0 - step)[:, None] * w
        w[rows, i] += step
        gw = (1.0 - step)[:, None] * gw + step[:, None] * gram[rows, :, i]
        value = (
            zeta2 * np.einsum("pk,pk->p", w, w)
            + (np.einsum("pk,pk->p", w, gw) - 2.0 * np.einsum("pk,pk->p", ab, w) + bb) / n
        )
        active &= previous - value > tolerance
        previous = np.where(active, value, previous)
        if not active.any():
            break
    return w


def _sparsify(w: Array) -> Array:
    w = np.where(w <= w.max(axis=1, keepdims=True) / 4, 0.0, w)
    return w / w.sum(axis=1, keepdims=True)


def _fit(y: Array, zeta: Array, *, intercept: bool, min_decrease: Array) -> Array:
    w = simplex_weights(
        y, zeta, intercept=intercept, min_decrease=min_decrease, max_iter=MAX_ITER_BEFORE_SPARSIFY
    )
    return simplex_weights(
        y,
        zeta,
        intercept=intercept,
        start=_sparsify(w),
        min_decrease=min_decrease,
        max_iter=MAX_ITER,
    )


def _collapse(p: Panel) -> Array:
    """(N0+1) × (T0+1): controls then the treated mean; pre-periods then the post mean."""
    n0, t0 = p.n_control, p.n_pre
    rows = np.vstack([p.y[:n0], p.y[n0:].mean(axis=0, keepdims=True)])
    return np.hstack([rows[:, :t0], rows[:, t0:].mean(axis=1, keepdims=True)])


def _estimate(p: Panel, omega: Array, lam: Array, *, intercept: bool) -> Weighted:
    n0, t0 = p.n_control, p.n_pre
    treated = p.y[n0:].mean(axis=0)
    synthetic = omega @ p.y[:n0]
    diff = treated - synthetic
    pre_shift = float(lam @ diff[:t0])  # Σ λ_t (treated − synthetic) before the start
    att = float(diff[t0:].mean() - pre_shift)
    omega0 = float(diff[:t0].mean()) if intercept else 0.0
    gaps = diff - omega0
    return Weighted(
        att=att,
        omega=omega,
        omega0=omega0,
        lam=lam,
        gaps=gaps,
        pre_rmspe=float(np.sqrt(np.mean(gaps[:t0] ** 2))),
    )


def estimate_many(panels: Sequence[Panel], method: str) -> list[Weighted]:
    """One method ("did", "scm" or "sdid") on panels of the same shape, weights solved together."""
    if method not in ESTIMATORS:
        raise ValueError(f"unknown method {method!r}")
    p0 = panels[0]
    n0, t0 = p0.n_control, p0.n_pre
    n1, t1 = p0.n_treated, len(p0.periods) - t0
    if method == "did":
        omega = np.full(n0, 1.0 / n0)
        lam = np.full(t0, 1.0 / t0)
        return [_estimate(p, omega, lam, intercept=True) for p in panels]
    yc = np.stack([_collapse(p) for p in panels])
    sigma = np.array([noise_level(p.y[:n0, :t0]) for p in panels])
    min_decrease = np.where(sigma > 0, 1e-5 * sigma, 1e-12)
    unit_rows = np.transpose(yc[:, :, :t0], (0, 2, 1))  # pre-periods × (controls, treated)
    if method == "scm":
        omegas = _fit(unit_rows, 1e-6 * sigma, intercept=False, min_decrease=min_decrease)
        lams = np.zeros((len(panels), t0))
        return [
            _estimate(p, o, la, intercept=False)
            for p, o, la in zip(panels, omegas, lams, strict=True)
        ]
    lams = _fit(yc[:, :n0, :], 1e-6 * sigma, intercept=True, min_decrease=min_decrease)
    zeta_omega = (n1 * t1) ** 0.25 * sigma
    omegas = _fit(unit_rows, zeta_omega, intercept=True, min_decrease=min_decrease)
    return [
        _estimate(p, o, la, intercept=True) for p, o, la in zip(panels, omegas, lams, strict=True)
    ]


def sdid(p: Panel) -> Weighted:
    """Synthetic difference-in-differences with the paper's regularised unit and time weights."""
    return estimate_many([p], "sdid")[0]


def synthetic_control(p: Panel) -> Weighted:
    """Synthetic control as the paper computes it: outcome-only, no intercept, λ = 0."""
    return estimate_many([p], "scm")[0]


def did(p: Panel) -> Weighted:
    """Difference-in-differences: uniform weights on the controls and on the pre-periods."""
    return estimate_many([p], "did")[0]


def _with_treated(p: Panel, treated: tuple[int, ...], controls: list[int]) -> Panel:
    order = [i for i in controls if i not in treated] + list(treated)
    return Panel(
        units=tuple(p.units[i] for i in order),
        periods=p.periods,
        y=p.y[order],
        n_treated=len(treated),
        n_pre=p.n_pre,
    )


def placebo_estimates(p: Panel, estimator: str, *, draws: int = 200, seed: int = 0) -> Array:
    """Estimates with the treatment given to controls only (the real treated left out).

    Every choice of N_tr controls is used when there are at most `draws` of them (one treated
    unit: each control in turn), otherwise `draws` choices from a fixed seed.
    """
    n0, n1 = p.n_control, p.n_treated
    if n0 <= n1:
        raise ValueError("the placebo standard error needs more controls than treated units")
    controls = list(range(n0))
    if comb(n0, n1) <= draws:
        choices = list(combinations(controls, n1))
    else:
        rng = np.random.default_rng(seed)
        choices = [tuple(int(i) for i in rng.choice(n0, n1, replace=False)) for _ in range(draws)]
    sub = Panel(p.controls, p.periods, p.y[:n0], 0, p.n_pre)  # only the controls
    panels = [_with_treated(sub, c, controls) for c in choices]
    return np.array([w.att for w in estimate_many(panels, estimator)])


def placebo_se(p: Panel, estimator: str, *, draws: int = 200, seed: int = 0) -> float:
    """The paper's placebo standard error: the spread of the placebo estimates."""
    est = placebo_estimates(p, estimator, draws=draws, seed=seed)
    b = len(est)
    return float(np.sqrt((b - 1) / b) * np.std(est, ddof=1)) if b > 1 else float("nan")


ESTIMATORS = ("did", "scm", "sdid")
