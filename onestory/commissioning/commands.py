"""`onestory bcf metrics` (the Better Care Fund's five national metrics, for outside tools
with --json), `onestory segments` (people per Bridges to Health segment) and `onestory
needs` (population needs by locality and segment, the needs page's figures)."""

import json
import sys
from datetime import date


def register(sub):
    b = sub.add_parser("bcf", help="Better Care Fund: the national metrics")
    b_sub = b.add_subparsers(dest="bcf_command", metavar="ACTION", required=True)
    m = b_sub.add_parser("metrics", help="the five metrics for a financial year")
    m.add_argument("--year", required=True, help="financial year, e.g. 2025-26")
    m.add_argument("--partnership", default=None, help="a partnership's code")
    m.add_argument("--locality", default=None, help="a locality's code")
    m.add_argument("--json", action="store_true", help="print JSON for outside tools")
    m.set_defaults(handler=_metrics)

    s = sub.add_parser("segments", help="people per Bridges to Health population segment")
    s.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (today)")
    s.add_argument("--partnership", default=None)
    s.add_argument("--locality", default=None)
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_segments)

    n = sub.add_parser("needs", help="population needs: people, activity and cost by segment")
    n.add_argument("--partnership", required=True, help="a partnership's code")
    n.add_argument("--locality", default=None, help="a locality's code")
    n.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="YYYY-MM-DD: the last quarter ended by then (today)",
    )
    n.add_argument("--json", action="store_true", help="print JSON for outside tools")
    n.set_defaults(handler=_needs)


def _metrics(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.commissioning import queries
    from onestory.commissioning.domain import bcf

    try:
        result = queries.bcf_metrics(
            by=Actor.system("bcf"),
            year=args.year,
            partnership=args.partnership,
            locality=args.locality,
        )
    except (queries.UnknownArea, ValueError) as e:
        print(f"onestory bcf metrics: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Better Care Fund metrics {result['year']}, {result['area']}")
    for name, m in result["metrics"].items():
        label = bcf.LABELS.get(name, name)
        if m["suppressed"]:
            shown = "fewer than 8 (suppressed)"
        elif m["value"] is None:
            shown = "no one counted"
        else:
            low, high = m["ci95"]
            shown = (
                f"{m['value']:,} ({low:,} to {high:,}); {m['numerator']:,} / {m['denominator']:,}"
            )
        print(f"  {label}: {shown}")
    return 0


def _segments(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.commissioning import queries
    from onestory.commissioning.domain import segments, suppression

    try:
        result = queries.population_segments(
            by=Actor.system("segments"),
            as_of=args.as_of or date.today(),
            partnership=args.partnership,
            locality=args.locality,
        )
    except (queries.UnknownArea, ValueError) as e:
        print(f"onestory segments: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Population segments on {result['as_of']}, {result['area']}")
    for name, n in result["segments"].items():
        print(f"  {segments.LABELS[name]}: {suppression.show(n)}")
    return 0


def _needs(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.commissioning import queries
    from onestory.commissioning.domain import needs, suppression

    quarter = needs.Quarter.last_complete(args.as_of or date.today())
    try:
        result = queries.needs_figures(
            by=Actor.system("needs"),
            quarter=quarter,
            partnership=args.partnership,
            locality=args.locality,
        )
    except (queries.UnknownArea, ValueError) as e:
        print(f"onestory needs: {e}", file=sys.stderr)
        return 2
    if not result["linked"]:
        print("onestory needs: records have not been linked into people yet.", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Population needs, {result['area']}, {result['quarter']['label']}")
    print(f"  People: {suppression.show(result['people'])}")
    for row in result["activity"]:
        cost = row["cost_per_head"]
        per_head = "withheld" if cost is None else f"£{cost:,.2f}"
        print(
            f"  {row['label']}: {suppression.show(row['people'])} people, "
            f"{suppression.show(row['emergency_admissions'])} emergency admissions, "
            f"cost per head {per_head}"
        )
    return 0
