"""Reads for national analysts: indicators every partnership published, compared on a funnel
plot and in a league table with intervals, by integration model. Aggregates only, and only
counts partnerships published already suppressed; each read is audited with counts."""

from dataclasses import dataclass

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.commissioning.domain import stats
from onestory.national.domain import funnel as fp
from onestory.national.domain.models_in_time import Version, model_in
from onestory.national.domain.published import QUARTER, kind_of, quarter_key
from onestory.national.model_data import versions_of
from onestory.national.models import IntegrationModel, PublishedIndicator

LEVELS = ("locality", "partnership")
PER = 100_000  # a rate is shown per 100,000 people


@dataclass(frozen=True)
class Row:
    place: str  # "P01L02", or "P01" for a partnership
    partnership: str
    budget: str  # the integration model's budget in that quarter: pooled, aligned or ""
    mdt: str
    numerator: int
    denominator: int
    value: float  # shown units: % or per 100,000
    ci_low: float
    ci_high: float
    lower95: float
    upper95: float
    lower998: float
    upper998: float
    flag: str


@dataclass(frozen=True)
class Funnel:
    indicator: str
    kind: str
    quarter: str
    level: str
    budget: str
    unit: str  # "%" or "per 100,000"
    target: float | None  # shown units
    rows: list[Row]
    suppressed: int  # places left out because their numerator was suppressed
    dispersion: fp.Dispersion | None
    curve: list[dict]
    trend: list[dict]  # national value per quarter, all models and by budget model


def indicators(*, by: Actor) -> list[str]:
    require(by, Permission.VIEW_NATIONAL)
    return list(
        PublishedIndicator.objects.order_by("indicator")
        .values_list("indicator", flat=True)
        .distinct()
    )


def quarters(*, by: Actor, indicator: str) -> list[str]:
    require(by, Permission.VIEW_NATIONAL)
    found = set(
        PublishedIndicator.objects.filter(indicator=indicator).values_list("quarter", flat=True)
    )
    return sorted(found, key=quarter_key, reverse=True)


def versions() -> list[Version]:
    return versions_of()


def integration_models(*, by: Actor) -> list[IntegrationModel]:
    require(by, Permission.VIEW_NATIONAL)
    return list(IntegrationModel.objects.all())


def models_in_quarter(*, by: Actor, quarter: str) -> list[tuple[str, Version | None]]:
    """Each partnership with a model recorded, and the version in force in `quarter` (None
    before its first). ValueError for a quarter not written like 2025Q3."""
    require(by, Permission.VIEW_NATIONAL)
    if not QUARTER.match(quarter):
        raise ValueError("Enter the quarter like 2025Q3 (July to September 2025).")
    models = versions()
    codes = sorted({v.partnership for v in models})
    return [(code, model_in(models, code, quarter)) for code in codes]


def _places(
    indicator: str, quarter: str, level: str
) -> tuple[list[tuple[str, str, int | None, int]], int]:
    """(place, partnership, numerator, denominator) for the level; a partnership is its
    own published row when there is one, else the sum of its localities (unknown when any
    locality's numerator was suppressed)."""
    rows = PublishedIndicator.objects.filter(indicator=indicator, quarter=quarter)
    if level == "locality":
        found = [
            (r.locality, r.partnership, r.numerator, r.denominator) for r in rows if r.locality
        ]
    else:
        whole = {r.partnership: r for r in rows if not r.locality}
        sums: dict[str, list] = {}
        for r in rows:
            if r.locality and r.partnership not in whole:
                s = sums.setdefault(r.partnership, [0, 0])
                s[0] = None if (s[0] is None or r.numerator is None) else s[0] + r.numerator
                s[1] += r.denominator
        found = [(p, p, r.numerator, r.denominator) for p, r in whole.items()]
        found += [(p, p, s[0], s[1]) for p, s in sums.items()]
    kept = [f for f in found if f[2] is not None]
    return sorted(kept), len(found) - len(kept)


def _scale(kind: str) -> float:
    return 100.0 if kind == "proportion" else float(PER)


def _interval(kind: str, numerator: int, denominator: int) -> tuple[float, float]:
    if kind == "proportion":
        return stats.wilson(numerator, denominator)
    low, high = stats.byar(numerator)
    return low / denominator, high / denominator


def funnel(
    *,
    by: Actor,
    indicator: str,
    quarter: str,
    level: str = "locality",
    budget: str = "",
    method: str = "multiplicative",
) -> Funnel:
    """The places' values for one indicator and quarter against the national value (all
    places with a published numerator, or only those whose model had `budget`)."""
    require(by, Permission.VIEW_NATIONAL)
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}: locality or partnership.")
    kind = kind_of(indicator)
    scale = _scale(kind)
    models = versions()
    places, suppressed = _places(indicator, quarter, level)
    chosen = []
    for place, partnership, numerator, denominator in places:
        version = model_in(models, partnership, quarter)
        if budget and (version is None or version.budget != budget):
            continue
        chosen.append((place, partnership, numerator, denominator, version))
    rows: list[Row] = []
    dispersion = None
    target = None
    curve: list[dict] = []
    if chosen:
        points = [fp.Place(c[0], c[2], c[3]) for c in chosen]
        p0 = fp.target(points)
        judged, dispersion = fp.judge(points, p0, kind, method)
        target = p0 * scale
        for (place, partnership, numerator, denominator, version), j in zip(
            chosen, judged, strict=True
        ):
            low, high = _interval(kind, numerator, denominator)
            rows.append(
                Row(
                    place,
                    partnership,
                    version.budget if version else "",
                    version.mdt if version else "",
                    numerator,
                    denominator,
                    j.value * scale,
                    low * scale,
                    high * scale,
                    j.limits.lower95 * scale,
                    j.limits.upper95 * scale,
                    j.limits.lower998 * scale,
                    j.limits.upper998 * scale,
                    j.flag,
                )
            )
        phi = (
            dispersion.phi
            if dispersion.method == "multiplicative" and dispersion.overdispersed
            else 1.0
        )
        tau2 = dispersion.tau2 if dispersion.method == "additive" else 0.0
        n_max = max(p.n for p in points) * 1.1
        for n, lim in fp.curve(p0, n_max, kind, phi=phi, tau2=tau2):
            curve.append(
                {
                    "n": n,
                    "lower95": lim.lower95 * scale,
                    "upper95": lim.upper95 * scale,
                    "lower998": lim.lower998 * scale,
                    "upper998": lim.upper998 * scale,
                }
            )
    rows.sort(key=lambda r: r.value)
    result = Funnel(
        indicator,
        kind,
        quarter,
        level,
        budget,
        "%" if kind == "proportion" else "per 100,000",
        target,
        rows,
        suppressed,
        dispersion,
        curve,
        _trend(indicator, models, scale),
    )
    record_event(
        by=by,
        action="national.funnel_viewed",
        detail={
            "indicator": indicator,
            "quarter": quarter,
            "level": level,
            "budget": budget,
            "places": len(rows),
            "suppressed_places": suppressed,
        },
    )
    return result


def _trend(indicator: str, models: list[Version], scale: float) -> list[dict]:
    """The national value per quarter: over every place with a published numerator, and
    over those with a pooled and with an aligned budget in that quarter."""
    published = PublishedIndicator.objects.filter(indicator=indicator, numerator__isnull=False)
    # Localities' rows when there are any (a partnership's own row would count them twice).
    by_locality = published.exclude(locality="").exists()
    sums: dict[str, dict[str, list[int]]] = {}
    for r in published:
        if by_locality != bool(r.locality):
            continue
        version = model_in(models, r.partnership, r.quarter)
        for key in ("all", version.budget if version else None):
            if key:
                s = sums.setdefault(r.quarter, {}).setdefault(key, [0, 0])
                s[0] += r.numerator or 0
                s[1] += r.denominator
    out = []
    for quarter in sorted(sums, key=quarter_key):
        point = {"quarter": quarter}
        for key in ("all", "pooled", "aligned"):
            s = sums[quarter].get(key)
            point[key] = s[0] / s[1] * scale if s and s[1] else None
        out.append(point)
    return out
