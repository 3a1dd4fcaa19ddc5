"""Reads of the Better Care Fund plan, for commissioners and analysts (VIEW_AGGREGATES).
The plan holds organisations and money, never a person; its metrics come from
`commissioning.queries.bcf_metrics` for the agreement's partnership (suppressed, and
audited there with counts only)."""

from django.http import Http404

from onestory.access.domain.roles import Permission
from onestory.access.policy import aggregate_partnership, has_permission, require
from onestory.audit.domain.actor import Actor
from onestory.bcf.domain import plan, targets
from onestory.bcf.models import Agreement, Scheme
from onestory.people.models import LinkageRun
from onestory.places.models import Partnership


def may_manage(by: Actor) -> bool:
    return has_permission(by, Permission.MANAGE_BCF)


def require_manage(by: Actor) -> None:
    require(by, Permission.MANAGE_BCF)


def scheme_row(s: Scheme) -> dict:
    """A scheme's planned and actual spend by quarter, with the year-to-date variance at
    the latest quarter recorded."""
    quarter = reporting_quarter([s])
    return {"quarter": quarter, **_scheme_row(s, quarter)}


def agreements(*, by: Actor) -> dict:
    require(by, Permission.VIEW_AGGREGATES)
    own = aggregate_partnership(by, None)  # a commissioner's own partnership (ADR 0026)
    found = Agreement.objects.select_related("partnership")
    partnerships = Partnership.objects.order_by("code")
    if own:
        found, partnerships = found.filter(partnership__code=own), partnerships.filter(code=own)
    return {"agreements": list(found), "partnerships": list(partnerships)}


def agreement(external_id, *, by: Actor, manage: bool = False) -> Agreement:
    """The agreement, for reading (VIEW_AGGREGATES) or changing (MANAGE_BCF); 404 if none."""
    require(by, Permission.MANAGE_BCF if manage else Permission.VIEW_AGGREGATES)
    found = Agreement.objects.select_related("partnership").filter(external_id=external_id)
    own = aggregate_partnership(by, None)
    if own:
        found = found.filter(partnership__code=own)
    if not found:
        raise Http404("No such agreement.")
    return found[0]


def scheme(external_id, *, by: Actor, manage: bool = False) -> Scheme:
    require(by, Permission.MANAGE_BCF if manage else Permission.VIEW_AGGREGATES)
    found = Scheme.objects.select_related("agreement__partnership").filter(external_id=external_id)
    own = aggregate_partnership(by, None)
    if own:
        found = found.filter(agreement__partnership__code=own)
    if not found:
        raise Http404("No such scheme.")
    return found[0]


def reporting_quarter(schemes: list[Scheme]) -> int:
    """The latest quarter with any actual spend recorded, or Q1 when none is."""
    recorded = [q for s in schemes for q, v in s.actual.items() if v is not None]
    return max(recorded, default=1)


def _scheme_row(s: Scheme, quarter: int) -> dict:
    planned_ytd = plan.to_date(s.planned, quarter)
    actual_ytd = plan.to_date(s.actual, quarter)
    return {
        "scheme": s,
        "type": plan.SCHEME_TYPES[s.scheme_type],
        "area": plan.SPEND_AREAS[s.spend_area],
        "commissioner": plan.COMMISSIONERS[s.lead_commissioner],
        "provider": plan.PROVIDER_TYPES[s.provider_type],
        "source": plan.SOURCES[s.source],
        "planned_year": s.planned_year,
        "planned_quarter": s.planned[quarter],
        "actual_quarter": s.actual[quarter],
        "variance": plan.variance(planned_ytd, actual_ytd),
    }


def metrics_against_targets(agreement: Agreement, *, year: int, quarter: int, by: Actor):
    """Each metric's computed figure for the partnership (None when records are not linked)
    beside its target for the year and the quarter's trajectory, with the on-track rule."""
    from onestory.commissioning import queries as commissioning

    computed = None
    if LinkageRun.objects.filter(is_current=True).exists():
        computed = commissioning.bcf_metrics(
            by=by, year=plan.year_label(year), partnership=agreement.partnership.code
        )["metrics"]
    set_ = {t.metric: t for t in agreement.targets.filter(year=year)}
    rows = []
    for key in targets.METRICS:
        target = set_.get(key)
        figure = computed.get(key) if computed else None
        compared = targets.benchmark(target.annual, target.trajectory, quarter) if target else None
        judgement = targets.on_track(
            key,
            figure["value"] if figure else None,
            compared,
            suppressed=bool(figure and figure["suppressed"]),
            computed=computed is not None,
        )
        rows.append(
            {
                "key": key,
                "label": targets.METRIC_LABELS[key],
                "better": targets.better(key),
                "target": target,
                "compared_with": compared,
                "figure": figure,
                "judgement": judgement,
            }
        )
    return {"linked": computed is not None, "rows": rows}


def plan_for(
    agreement: Agreement,
    *,
    by: Actor,
    year: int | None = None,
    quarter: int | None = None,
    with_metrics: bool = True,
) -> dict:
    """The plan for one year of the agreement: contributions, schemes with their variance
    alerts for the year to date, the pool's totals and the risk share of the variance, and
    (unless asked not to) the metrics beside their targets."""
    require(by, Permission.VIEW_AGGREGATES)
    year = year if year in agreement.years else agreement.years[0]
    contributions = list(agreement.contributions.filter(year=year))
    schemes = list(agreement.schemes.filter(year=year))
    quarter = quarter if quarter in plan.QUARTERS else reporting_quarter(schemes)
    rows = [_scheme_row(s, quarter) for s in schemes]
    by_source = {c.source: c for c in contributions}
    pool = plan.pool_check(
        [c.planned_pence for c in contributions], [s.planned_year for s in schemes]
    )
    planned_ytd = sum(r["variance"].planned for r in rows)
    actual_ytd = sum(r["variance"].actual for r in rows)
    shared = plan.risk_share(
        planned_ytd,
        actual_ytd,
        overspend_council_pct=agreement.overspend_council_pct,
        underspend_council_pct=agreement.underspend_council_pct,
    )
    result = {
        "agreement": agreement,
        "year": year,
        "year_label": plan.year_label(year),
        "quarter": quarter,
        "quarter_label": plan.QUARTER_LABELS[quarter],
        "contributions": [
            {"source": key, "label": label, "row": by_source.get(key)}
            for key, label in plan.SOURCES.items()
        ],
        "pool": pool,
        "schemes": rows,
        "alerts": sum(r["variance"].alert for r in rows),
        "planned_quarter": sum(r["planned_quarter"] for r in rows),
        "actual_quarter": sum(r["actual_quarter"] or 0 for r in rows),
        "planned_ytd": planned_ytd,
        "actual_ytd": actual_ytd,
        "risk_share": shared,
        "may_manage": may_manage(by),
    }
    if with_metrics:
        result["metrics"] = metrics_against_targets(agreement, year=year, quarter=quarter, by=by)
    return result
