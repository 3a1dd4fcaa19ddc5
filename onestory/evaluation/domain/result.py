"""One estimate in the shape `onestory evaluate --json` prints, and its readable summary.

    {"method", "att", "se", "ci95": [lo, hi], "weights": {unit: w},
     "time_weights": {period: w}, "gaps": {period: gap}, "pre_rmspe",
     "placebo": {"p_value", "ratios": {unit: r}}}

Keys that do not apply to a method are null: difference-in-differences has no unit or time
weights (they are uniform) and no in-space placebo; synthetic control has no time weights;
synthetic difference-in-differences has no in-space placebo. Numbers that are not finite
(an RMSPE ratio after a perfect pre-period fit) are null too.
"""

from dataclasses import dataclass, field
from math import isfinite
from typing import Any

import numpy as np

from onestory.evaluation.domain import METHODS, did, scm, sdid
from onestory.evaluation.domain.panel import Panel

Z95 = 1.959963984540054


@dataclass
class Evaluation:
    body: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # for the readable summary only


def _num(x: float | None) -> float | None:
    return float(x) if x is not None and isfinite(x) else None


def _by_period(p: Panel, values: Any, periods: Any = None) -> dict[str, float | None]:
    return {str(t): _num(float(v)) for t, v in zip(periods or p.periods, values, strict=True)}


def _by_unit(units: Any, values: Any) -> dict[str, float | None]:
    return {str(u): _num(float(v)) for u, v in zip(units, values, strict=True)}


def _se_from(estimates: np.ndarray) -> float:
    b = len(estimates)
    return float(np.sqrt((b - 1) / b) * np.std(estimates, ddof=1)) if b > 1 else float("nan")


def evaluate(p: Panel, method: str, *, placebo_draws: int = 200, seed: int = 0) -> Evaluation:
    """Run one method on the panel; placebo draws are bounded and seeded (see `sdid`)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    notes: list[str] = []
    se: float | None
    weights = time_weights = placebo = None
    can_placebo = p.n_control > p.n_treated
    if p.staggered and method != "did":
        raise ValueError(
            f"{NAMES[method]} needs one start for all treated units; use did for staggered starts"
        )
    if method == "did" and p.staggered:
        return _staggered(p, seed=seed)
    if method == "did":
        fit = sdid.did(p)
        att, gaps, pre_rmspe = fit.att, fit.gaps, fit.pre_rmspe
        if p.n_treated >= 2:
            se = did.two_by_two(p).se
            notes.append("Standard error clustered by unit (two-way fixed effects, statsmodels).")
        else:
            se = sdid.placebo_se(p, "did", draws=placebo_draws, seed=seed) if can_placebo else None
            notes.append("One treated unit: placebo standard error (each control in turn).")
        notes.append(_pretrend_note(did.staggered_panel(p, seed=seed)))
    elif method == "scm":
        fit_s = scm.fit(p)
        att, gaps, pre_rmspe = fit_s.att, fit_s.gaps, fit_s.pre_rmspe
        weights = _by_unit(p.controls, fit_s.weights)
        fits = scm.placebo_fits(p)
        places = scm.in_space_placebos(p, fit_s, fits)
        placebo = {
            "p_value": _num(places.p_value),
            "ratios": _by_unit(places.ratios.keys(), places.ratios.values()),
        }
        if p.n_treated == 1 and len(fits) > 1:
            se = _se_from(np.array([f.att for f in fits.values()]))
        else:
            se = sdid.placebo_se(p, "scm", draws=placebo_draws, seed=seed) if can_placebo else None
        if p.n_pre >= 2:
            early = scm.in_time_placebo(p)
            notes.append(
                f"In-time placebo (start moved to {p.periods[p.n_pre // 2]}): "
                f"mean gap {early.att:.2f} before the real start (should be near 0)."
            )
    else:
        fit = sdid.sdid(p)
        att, gaps, pre_rmspe = fit.att, fit.gaps, fit.pre_rmspe
        weights = _by_unit(p.controls, fit.omega)
        time_weights = _by_period(p, fit.lam, p.pre_periods)
        se = sdid.placebo_se(p, "sdid", draws=placebo_draws, seed=seed) if can_placebo else None
    se_n = _num(se) if se is not None else None
    ci = [att - Z95 * se_n, att + Z95 * se_n] if se_n is not None else None
    body = {
        "method": method,
        "att": _num(att),
        "se": se_n,
        "ci95": ci,
        "weights": weights,
        "time_weights": time_weights,
        "gaps": _by_period(p, gaps),
        "pre_rmspe": _num(pre_rmspe),
        "placebo": placebo,
    }
    return Evaluation(body=body, notes=notes)


def _pretrend_note(event: did.Staggered) -> str:
    if event.pretrend_df == 0:
        return "Pre-trend test not run: only one period before the start."
    if event.smallest_group < 2:
        return (
            "Pre-trend test not run: it needs at least two treated and two control units "
            "(resampling cannot show a single unit's own noise)."
        )
    return (
        f"Pre-trend test (Callaway–Sant'Anna event study, {event.pretrend_df} pre-period "
        f"coefficients): chi² = {event.pretrend_chi2:.2f}, p = {event.pretrend_p:.3g}."
    )


def _staggered(p: Panel, *, seed: int) -> Evaluation:
    """Staggered starts: Callaway–Sant'Anna; `gaps` is the event study, keyed by periods
    since the start ("-2", "0", …), and `pre_rmspe` the root mean square of its pre-period
    coefficients."""
    cohort: list[int | None] = [None] * p.n_control + list(p.treated_starts)
    r = did.staggered(p.y, cohort, seed=seed)
    se = _num(r.se)
    pre = [e.att for e in r.event_study if e.e < 0]
    body = {
        "method": "did",
        "att": _num(r.att),
        "se": se,
        "ci95": [r.att - Z95 * se, r.att + Z95 * se] if se is not None else None,
        "weights": None,
        "time_weights": None,
        "gaps": {str(e.e): _num(e.att) for e in r.event_study},
        "pre_rmspe": _num(float(np.sqrt(np.mean(np.square(pre))))) if pre else None,
        "placebo": None,
    }
    notes = [
        f"Staggered starts ({len(set(p.treated_starts))} cohorts): Callaway–Sant'Anna against "
        f"never-treated units; bootstrap standard error. Two-way fixed effects would give "
        f"{r.twfe_att:.2f}.",
        "Event study (periods since the start: effect): "
        + ", ".join(f"{e.e}: {e.att:.2f}" for e in r.event_study),
        _pretrend_note(r),
    ]
    return Evaluation(body=body, notes=notes)


NAMES = {
    "did": "difference-in-differences",
    "scm": "synthetic control",
    "sdid": "synthetic difference-in-differences",
}


def summary(p: Panel, e: Evaluation) -> list[str]:
    """The readable summary: the estimate, its interval, the main weights and the placebo."""
    b = e.body
    timing = (
        "staggered starts"
        if p.staggered
        else f"{p.n_pre} period(s) before {p.post_periods[0]} and {len(p.post_periods)} from it"
    )
    lines = [
        f"{NAMES[b['method']]}: {len(p.treated)} treated unit(s), {p.n_control} control(s), "
        f"{timing}",
        f"Effect on the treated (mean over the post-period): {b['att']:.2f}",
    ]
    if b["se"] is not None:
        lo, hi = b["ci95"]
        lines.append(f"Standard error {b['se']:.2f}; 95% interval {lo:.2f} to {hi:.2f}")
    if b["pre_rmspe"] is not None:
        lines.append(f"Pre-period fit (RMSPE): {b['pre_rmspe']:.2f}")
    if b["weights"]:
        top = sorted(b["weights"].items(), key=lambda kv: -(kv[1] or 0))[:5]
        shown = ", ".join(f"{u} {w:.3f}" for u, w in top if w and w > 0.0005)
        lines.append(f"Largest unit weights: {shown}")
    if b["time_weights"]:
        top_t = sorted(b["time_weights"].items(), key=lambda kv: -(kv[1] or 0))[:3]
        shown = ", ".join(f"{t} {w:.3f}" for t, w in top_t if w and w > 0.0005)
        lines.append(f"Largest time weights: {shown}")
    if b["placebo"] is not None:
        n = len(b["placebo"]["ratios"]) + 1
        lines.append(
            f"In-space placebo: permutation p-value {b['placebo']['p_value']:.3f} "
            f"(the treated unit's post/pre RMSPE ratio ranked among {n} units)"
        )
    lines.extend(e.notes)
    return lines
