"""Difference-in-differences: the 2×2 case and staggered adoption.

**2×2 (one start for every treated unit).** The effect is the change in the treated units'
mean outcome from before the start to after it, less the same change for the controls. It
equals the coefficient on "treated and after" in a regression with unit and period fixed
effects (two-way fixed effects, TWFE); `two_by_two` fits that regression with statsmodels
and gives the standard error clustered by unit (which needs several treated and several
control units to be trustworthy; with one treated unit use the placebo error in `sdid`).

**Staggered adoption (units start at different periods).** TWFE is then a weighted average
of comparisons that includes already-treated units as controls, with weights that can be
negative when effects change over time (Goodman-Bacon 2021), so it can even get the sign
wrong. `staggered` is Callaway and Sant'Anna's (2021) estimator with never-treated units as
the comparison and no covariates: for each cohort g (units that start in period g) and
period t,

    ATT(g, t) = [ȳ_g,t − ȳ_g,g−1] − [ȳ_never,t − ȳ_never,g−1]   (t ≥ g),

and for t < g the same with base t−1 (pre-period "effects", which should be about zero).
They are aggregated to an event study (by periods since the start, cohorts weighted by
size), to an overall effect (each cohort's mean post-period ATT, weighted by cohort size),
and a pre-trend test (a Wald test that all pre-period event-study coefficients are zero).
Standard errors come from a bootstrap over units, with a fixed seed so that results repeat;
with a single unit in a cohort (or a single never-treated unit) the bootstrap cannot see that
unit's own noise, so no error and no pre-trend test are given (NaN).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import chdtrc  # the chi-squared upper tail

from onestory.evaluation.domain.panel import Panel

Array = NDArray[np.float64]


@dataclass(frozen=True)
class TwoByTwo:
    att: float
    se: float  # clustered by unit (NaN when the regression has no residual freedom)
    twfe_att: float  # the same number from the regression (a check)


def two_by_two(p: Panel) -> TwoByTwo:
    """The 2×2 difference-in-differences and its TWFE regression with unit-clustered errors."""
    n0, t0 = p.n_control, p.n_pre
    y = p.y
    simple = float(
        (y[n0:, t0:].mean() - y[n0:, :t0].mean()) - (y[:n0, t0:].mean() - y[:n0, :t0].mean())
    )
    from statsmodels.regression.linear_model import OLS  # imported here: it is slow to load

    n, t = y.shape
    unit = np.repeat(np.arange(n), t)
    period = np.tile(np.arange(t), n)
    treated_after = ((unit >= n0) & (period >= t0)).astype(float)
    x = np.column_stack(
        [
            treated_after,
            np.ones(n * t),
            (unit[:, None] == np.arange(1, n)[None, :]).astype(float),
            (period[:, None] == np.arange(1, t)[None, :]).astype(float),
        ]
    )
    if n * t <= x.shape[1]:  # as many parameters as observations: no error to estimate
        twfe = OLS(y.reshape(-1), x).fit()
        return TwoByTwo(att=simple, se=float("nan"), twfe_att=float(twfe.params[0]))
    model = OLS(y.reshape(-1), x).fit(cov_type="cluster", cov_kwds={"groups": unit})
    return TwoByTwo(att=simple, se=float(model.bse[0]), twfe_att=float(model.params[0]))


@dataclass(frozen=True)
class EventTime:
    e: int  # periods since the start (−1 = the period before)
    att: float
    se: float


@dataclass(frozen=True)
class Staggered:
    att: float  # cohorts' mean post-period ATT, weighted by cohort size
    se: float
    ci95: tuple[float, float]
    att_gt: dict[tuple[int, int], float]  # (cohort start index, period index) → ATT(g, t)
    event_study: list[EventTime]
    pretrend_chi2: float
    pretrend_df: int
    pretrend_p: float  # small: the pre-period coefficients are unlikely to be all zero
    twfe_att: float  # for comparison only: the naive two-way fixed effects estimate
    smallest_group: int  # fewest units in a cohort or the never-treated; errors need ≥ 2


def _cells(y: Array, cohort: Array, weights: Array) -> tuple[dict[tuple[int, int], float], Array]:
    """ATT(g, t) for every cohort and period, and the (bootstrap-weighted) cohort sizes."""
    never = cohort < 0
    starts = sorted(int(g) for g in set(cohort[~never].tolist()))
    w_never = weights * never
    mean_never = (w_never @ y) / w_never.sum()
    out: dict[tuple[int, int], float] = {}
    sizes = []
    for g in starts:
        w_g = weights * (cohort == g)
        sizes.append(w_g.sum())
        mean_g = (w_g @ y) / w_g.sum() if w_g.sum() > 0 else np.full(y.shape[1], np.nan)
        gap = mean_g - mean_never
        for t in range(1, y.shape[1]):
            base = g - 1 if t >= g else t - 1
            out[(g, t)] = float(gap[t] - gap[base])
    return out, np.array(sizes)


def _aggregate(
    cells: dict[tuple[int, int], float], sizes: Array, starts: list[int], n_periods: int
) -> tuple[float, dict[int, float]]:
    size = dict(zip(starts, sizes, strict=True))
    per_cohort = []
    for g in starts:
        post = [cells[(g, t)] for t in range(g, n_periods)]
        per_cohort.append(np.mean(post))
    overall = float(np.average(per_cohort, weights=sizes))
    by_e: dict[int, tuple[float, float]] = {}
    for (g, t), v in cells.items():
        e = t - g
        if e == -g:  # no base period before the first
            continue
        s, total = by_e.get(e, (0.0, 0.0))
        by_e[e] = (s + size[g] * v, total + size[g])
    return overall, {e: s / total for e, (s, total) in sorted(by_e.items()) if total > 0}


def _twfe(y: Array, cohort: Array) -> float:
    n, t = y.shape
    d = np.array([[1.0 if 0 <= cohort[i] <= s else 0.0 for s in range(t)] for i in range(n)])

    # within transformation: remove unit and period means (balanced panel)
    def within(m: Array) -> Array:
        return m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True) + m.mean()

    dy, dd = within(y), within(d)
    return float((dd * dy).sum() / (dd * dd).sum())


def staggered(
    y: Sequence[Sequence[float]] | Array,
    cohort: Sequence[int | None],
    *,
    bootstrap: int = 199,
    seed: int = 0,
) -> Staggered:
    """Callaway–Sant'Anna on a balanced units × periods matrix.

    `cohort[i]` is the index of unit i's first treated period, or None if never treated.
    Units treated from the first period have no pre-period and are left out.
    """
    m = np.asarray(y, dtype=float)
    n, t = m.shape
    c = np.array([-1 if g is None else int(g) for g in cohort])
    keep = c != 0
    m, c = m[keep], c[keep]
    if not (c < 0).any():
        raise ValueError("staggered difference-in-differences needs never-treated units")
    if not (c > 0).any():
        raise ValueError("no treated unit with a period before its start")
    starts = sorted(int(g) for g in set(c[c > 0].tolist()))
    cells, sizes = _cells(m, c, np.ones(len(c)))
    att, event = _aggregate(cells, sizes, starts, t)
    # One unit in a group: resampling units cannot show that unit's own noise, and the
    # error would be too small. Then no error and no pre-trend test are given.
    smallest = min(int((c == g).sum()) for g in [*starts, -1])
    rng = np.random.default_rng(seed)
    draws_att: list[float] = []
    draws_event: list[list[float]] = []
    for _ in range(bootstrap if smallest >= 2 else 0):
        counts = np.bincount(rng.integers(0, len(c), len(c)), minlength=len(c)).astype(float)
        if not all((counts * (c == g)).sum() > 0 for g in [*starts, -1]):
            continue  # a cohort vanished from this resample
        b_cells, b_sizes = _cells(m, c, counts)
        b_att, b_event = _aggregate(b_cells, b_sizes, starts, t)
        draws_att.append(b_att)
        draws_event.append([b_event[e] for e in event])
    pre = [k for k, e in enumerate(event) if e < 0]
    nan = float("nan")
    if len(draws_att) >= 2:
        draws = np.array(draws_event)
        ses = draws.std(axis=0, ddof=1)
        se = float(np.std(draws_att, ddof=1))
    else:
        draws, ses, se = np.empty((0, len(event))), np.full(len(event), nan), nan
    if pre and len(draws_att) >= 2:
        theta = np.array([event[list(event)[k]] for k in pre])
        cov = np.atleast_2d(np.cov(draws[:, pre], rowvar=False))
        chi2 = float(theta @ np.linalg.pinv(cov) @ theta)
        p_pre = float(chdtrc(len(pre), chi2))
    else:
        chi2, p_pre = nan, nan
    return Staggered(
        att=att,
        se=se,
        ci95=(att - 1.96 * se, att + 1.96 * se),
        att_gt=cells,
        event_study=[
            EventTime(e=e, att=v, se=float(s)) for (e, v), s in zip(event.items(), ses, strict=True)
        ],
        pretrend_chi2=chi2,
        pretrend_df=len(pre),
        pretrend_p=p_pre,
        twfe_att=_twfe(m, c),
        smallest_group=smallest,
    )


def staggered_panel(p: Panel, *, bootstrap: int = 199, seed: int = 0) -> Staggered:
    """The 2×2 design run through `staggered`: one cohort, for its event study and pre-trend test."""
    cohort: list[int | None] = [None] * p.n_control + [p.n_pre] * p.n_treated
    return staggered(p.y, cohort, bootstrap=bootstrap, seed=seed)
