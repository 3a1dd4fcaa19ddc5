"""Funnel plots for comparing places (Spiegelhalter, "Funnel plots for comparing institutional
performance", Statistics in Medicine 2005; "Handling over-dispersion of performance
indicators", Quality and Safety in Health Care 2005).

Each place has a count `y` out of a size `n` (people for a proportion; expected events for
an indirectly standardised ratio). The target `p0` is the national value. A place outside
the control limits at its size differs from the target by more than chance would explain:
95% limits (z = 1.96) are a warning, 99.8% (z = 3.09) an alarm.

- Proportions: limits p0 ± z·√(p0(1 − p0)/n) (the normal approximation, clipped to [0, 1]);
  for p0 = 0.10 and n = 100 the 95% limits are 0.0412 and 0.1588.
- Rates per person: limits p0 ± z·√(p0/n) (Poisson).
- Ratios observed/expected: limits 1 ± z·√(1/E) (n = E, p0 = 1).

Over-dispersion: real places vary more than chance alone (case mix, coding), so without
allowing for it most places fall outside the limits. Following Spiegelhalter (2005), the
z-scores are winsorised at 10% each side and φ = Σz²/k over the k places; when kφ exceeds
the 95th percentile of χ² on k − 1 degrees of freedom the limits are widened. Two ways are
offered, and the choice is stated beside every plot:
- multiplicative: the standard error times √φ;
- additive random effects: τ² = max(0, (kφ − (k − 1)) / (Σw − Σw²/Σw)) with w = 1/s²,
  and limits p0 ± z·√(s² + τ²).
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959964
Z998 = NormalDist().inv_cdf(0.999)  # 3.090232
KINDS = ("proportion", "rate", "ratio")
METHODS = ("none", "multiplicative", "additive")


@dataclass(frozen=True)
class Place:
    code: str
    y: float  # events (or observed)
    n: float  # size (people, person-years, or expected events for a ratio)


@dataclass(frozen=True)
class Dispersion:
    method: str  # "none", "multiplicative" or "additive"
    phi: float  # the over-dispersion factor estimated from the winsorised z-scores
    tau2: float  # the between-place variance (additive method), else 0
    places: int
    overdispersed: bool  # φ is beyond what chance gives for this many places (χ², 95%)

    def describe(self) -> str:
        if self.method == "none" or not self.overdispersed:
            return (
                f"Limits assume chance variation only (φ = {self.phi:.2f} over {self.places} "
                "places, not beyond what chance gives)."
                if self.method != "none"
                else "Limits assume chance variation only (no over-dispersion allowed for)."
            )
        if self.method == "multiplicative":
            return (
                f"Places vary more than chance (φ = {self.phi:.2f} over {self.places} places): "
                f"limits widened by √φ = {math.sqrt(self.phi):.2f}."
            )
        return (
            f"Places vary more than chance (φ = {self.phi:.2f} over {self.places} places): "
            f"a between-place variance τ² = {self.tau2:.3g} is added to each place's."
        )


@dataclass(frozen=True)
class Limits:
    lower95: float
    upper95: float
    lower998: float
    upper998: float


@dataclass(frozen=True)
class Judged:
    place: Place
    value: float
    z: float
    limits: Limits
    flag: str  # "", "high (95%)", "low (95%)", "high (99.8%)", "low (99.8%)"


def variance(p0: float, n: float, kind: str) -> float:
    """The sampling variance of a place's value at size `n` under the target."""
    if n <= 0:
        raise ValueError("A place's size must be greater than zero.")
    if kind == "proportion":
        return p0 * (1 - p0) / n
    if kind == "rate":
        return p0 / n
    if kind == "ratio":
        return 1 / n
    raise ValueError(f"Unknown kind {kind!r}: one of {', '.join(KINDS)}.")


def limits(
    p0: float, n: float, kind: str = "proportion", *, phi: float = 1.0, tau2: float = 0.0
) -> Limits:
    """Control limits at size `n`: 95% and 99.8%, widened for over-dispersion when asked."""
    s = math.sqrt(variance(p0, n, kind) * phi + tau2)
    low_bound = 0.0
    high_bound = 1.0 if kind == "proportion" else math.inf
    return Limits(
        max(low_bound, p0 - Z95 * s),
        min(high_bound, p0 + Z95 * s),
        max(low_bound, p0 - Z998 * s),
        min(high_bound, p0 + Z998 * s),
    )


def _value(place: Place, kind: str) -> float:
    return place.y / place.n


def z_scores(places: list[Place], p0: float, kind: str) -> list[float]:
    return [(_value(p, kind) - p0) / math.sqrt(variance(p0, p.n, kind)) for p in places]


def winsorise(values: list[float], share: float = 0.10) -> list[float]:
    """Values below the `share` quantile raised to it, and above 1 − `share` lowered to it
    (the quantiles by rank, as Spiegelhalter 2005 does)."""
    if not values:
        return []
    ordered = sorted(values)
    k = len(ordered)
    cut = math.floor(share * k)
    low, high = ordered[cut], ordered[k - 1 - cut]
    return [min(max(v, low), high) for v in values]


def chi2_upper_95(df: int) -> float:
    """The 95th percentile of χ² with `df` degrees of freedom (Wilson–Hilferty)."""
    z = NormalDist().inv_cdf(0.95)
    c = 2 / (9 * df)
    return df * (1 - c + z * math.sqrt(c)) ** 3


def dispersion(
    places: list[Place], p0: float, kind: str, method: str = "multiplicative"
) -> Dispersion:
    """φ from the winsorised z-scores, and τ² for the additive method. Over-dispersion is
    allowed for only when kφ exceeds the 95th percentile of χ² on k − 1 degrees of
    freedom; otherwise the limits are chance limits."""
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}: one of {', '.join(METHODS)}.")
    k = len(places)
    if k < 2:
        return Dispersion(method, 1.0, 0.0, k, False)
    z = winsorise(z_scores(places, p0, kind))
    phi = sum(v * v for v in z) / k
    over = k * phi > chi2_upper_95(k - 1)
    tau2 = 0.0
    if method == "additive" and over:
        w = [1 / variance(p0, p.n, kind) for p in places]
        sw = sum(w)
        tau2 = max(0.0, (k * phi - (k - 1)) / (sw - sum(x * x for x in w) / sw))
    return Dispersion(method, phi, tau2, k, over)


def judge(
    places: list[Place], p0: float, kind: str = "proportion", method: str = "multiplicative"
) -> tuple[list[Judged], Dispersion]:
    """Each place against the target, with its limits and flag, and the dispersion used."""
    d = dispersion(places, p0, kind, method)
    phi = d.phi if (d.method == "multiplicative" and d.overdispersed) else 1.0
    tau2 = d.tau2 if d.method == "additive" else 0.0
    out = []
    for p in places:
        lim = limits(p0, p.n, kind, phi=phi, tau2=tau2)
        value = _value(p, kind)
        s = math.sqrt(variance(p0, p.n, kind) * phi + tau2)
        flag = ""
        if value > lim.upper998:
            flag = "high (99.8%)"
        elif value < lim.lower998:
            flag = "low (99.8%)"
        elif value > lim.upper95:
            flag = "high (95%)"
        elif value < lim.lower95:
            flag = "low (95%)"
        out.append(Judged(p, value, (value - p0) / s, lim, flag))
    return out, d


def target(places: list[Place]) -> float:
    """The pooled value over every place (Σy / Σn): the national target by default."""
    total = sum(p.n for p in places)
    if total <= 0:
        raise ValueError("No places with a size greater than zero.")
    return sum(p.y for p in places) / total


def curve(
    p0: float,
    n_max: float,
    kind: str = "proportion",
    points: int = 60,
    *,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> list[tuple[float, Limits]]:
    """The limits along sizes from 1 to `n_max` (log-spaced), for drawing the funnel."""
    if n_max <= 1:
        n_max = 2
    step = math.log(n_max) / (points - 1)
    return [
        (math.exp(i * step), limits(p0, math.exp(i * step), kind, phi=phi, tau2=tau2))
        for i in range(points)
    ]
