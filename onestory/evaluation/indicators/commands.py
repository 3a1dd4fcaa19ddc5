"""`onestory indicators`: indicators per partnership, locality and quarter from the linked
record, small numbers suppressed (docs/EVALUATION.md, "Indicators"). Bad input is one line
on stderr and exit status 2.

There is deliberately no option to write the unsuppressed panel: an estimator that needs it
calls `queries.locality_quarter_panel` in-process (ADR 0021)."""

import csv
import json
import sys

FIELDS = (
    "partnership",
    "locality",
    "quarter",
    "indicator",
    "numerator",
    "denominator",
    "rate_per_100k",
    "std_rate_per_100k",
    "ci_low",
    "ci_high",
    "suppressed",
)


def register(sub):
    p = sub.add_parser(
        "indicators",
        help="indicators per partnership, locality and quarter (suppressed)",
        description="Emergency admissions, A&E attendances, bed days, care-home admissions, "
        "the Better Care Fund metrics and cost per head, per locality and quarter, with "
        "crude and age-standardised rates and 95% intervals. Counts of 1-7 are suppressed.",
    )
    p.add_argument("--partnership", default=None, help="a partnership's code")
    p.add_argument("--locality", default=None, help="a locality's code")
    p.add_argument("--from", dest="first", default=None, help="first quarter, e.g. 2024Q1")
    p.add_argument("--to", dest="last", default=None, help="last quarter, e.g. 2025Q4")
    p.add_argument(
        "--indicator",
        default=None,
        help="comma-separated indicator names (default: all)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", default=None, metavar="FILE", help="write the table as CSV")
    out.add_argument("--json", action="store_true", help="print JSON for outside tools")
    p.set_defaults(handler=_indicators)


def cell(value) -> str:
    """A CSV cell: empty for a withheld or missing figure, yes/no for a flag."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _show(row: dict) -> str:
    if row["suppressed"]:
        return "fewer than 8 (suppressed)"
    if row["rate_per_100k"] is None:
        return "no one counted"
    std = row["std_rate_per_100k"]
    text = f"{row['rate_per_100k']:,}"
    if std is not None:
        text += f", standardised {std:,}"
    if row["ci_low"] is not None:
        text += f" ({row['ci_low']:,} to {row['ci_high']:,})"
    return f"{text}; {row['numerator']:,} / {row['denominator']:,}"


def _indicators(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.evaluation.indicators import domain, queries
    from onestory.people.models import LinkageRun

    if not LinkageRun.objects.filter(is_current=True).exists():
        print(
            "onestory indicators: records have not been linked into people yet: "
            "run `onestory link` first.",
            file=sys.stderr,
        )
        return 2
    names = args.indicator.split(",") if args.indicator else list(domain.INDICATORS)
    try:
        frame = queries.locality_quarter_panel(
            by=Actor.system("indicators"),
            indicators=names,
            partnership=args.partnership,
            localities=[args.locality] if args.locality else None,
            first=args.first,
            last=args.last,
        )
    except (queries.UnknownArea, ValueError) as e:
        print(f"onestory indicators: {e}", file=sys.stderr)
        return 2
    rows = queries.published(frame)
    if args.json:
        print(json.dumps({"rows": rows, "not_computable": domain.NOT_COMPUTABLE}, indent=2))
        return 0
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: cell(row[k]) for k in FIELDS})
        print(f"{len(rows)} rows written to {args.csv} (counts of 1-7 suppressed).")
        return 0
    if not rows:
        print("No localities: load places with `onestory places load` first.")
    for row in rows:
        label = domain.INDICATORS[row["indicator"]].label
        print(f"{row['locality']} {row['quarter']} {label}: {_show(row)}")
    for name, why in domain.NOT_COMPUTABLE.items():
        print(f"Not computed, {name.replace('_', ' ')}: {why}.")
    return 0
