"""`onestory national load FILE.csv` (indicators a partnership published), `onestory
national model` (a partnership's integration model from a quarter) and `onestory national
funnel` (the comparison, for outside tools with --json)."""

import json
import sys
from pathlib import Path


def register(sub):
    n = sub.add_parser("national", help="the national view: published indicators compared")
    n_sub = n.add_subparsers(dest="national_command", metavar="ACTION", required=True)
    load = n_sub.add_parser("load", help="load a partnership's published indicators (CSV)")
    load.add_argument("file", type=Path)
    load.set_defaults(handler=_load)

    m = n_sub.add_parser("model", help="record a partnership's integration model from a quarter")
    m.add_argument("--partnership", required=True)
    m.add_argument("--from", dest="from_quarter", required=True, help="a quarter like 2025Q3")
    m.add_argument("--budget", required=True, choices=("pooled", "aligned"))
    m.add_argument("--mdt", default="none", choices=("none", "practice", "neighbourhood"))
    m.add_argument("--shared-records", action="store_true")
    m.add_argument("--lead-commissioner", default="")
    m.add_argument("--host", default="")
    m.add_argument("--scope", default="", help="what the section 75 agreement covers")
    m.add_argument(
        "--sharer",
        action="append",
        default=None,
        help="an organisation's code that shares records (repeat; this installation's partnerships)",
    )
    m.add_argument("--reason", required=True, help="why the model changed, or 'first record'")
    m.set_defaults(handler=_model)

    pub = n_sub.add_parser(
        "publish",
        help="write this installation's (or a synthetic nation's) indicators for the national view",
    )
    pub.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    pub.add_argument("--from", dest="first", default=None, help="first quarter, like 2024Q1")
    pub.add_argument("--to", dest="last", default=None, help="last quarter, like 2025Q4")
    pub.add_argument(
        "--nation",
        type=Path,
        default=None,
        help="a synthetic nation's folder instead of the record",
    )
    pub.set_defaults(handler=_publish)

    f = n_sub.add_parser("funnel", help="places against the national value, with control limits")
    f.add_argument("--indicator", required=True)
    f.add_argument("--quarter", required=True)
    f.add_argument("--level", default="locality", choices=("locality", "partnership"))
    f.add_argument("--budget", default="", choices=("", "pooled", "aligned"))
    f.add_argument(
        "--overdispersion", default="multiplicative", choices=("none", "multiplicative", "additive")
    )
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=_funnel)


def read_file(path: Path):
    """(indicators, problems as text) from a published CSV; a file that cannot be read is
    one problem naming it."""
    from onestory.national.domain import published
    from onestory.sources.domain.adapters.csv_reader import CsvSource
    from onestory.sources.domain.limits import DEFAULT_LIMITS, ExtractError, check_file_size

    name = path.name
    try:
        check_file_size(path, DEFAULT_LIMITS.max_file_bytes)
        with path.open("rb") as stream:
            source = CsvSource(stream, name, DEFAULT_LIMITS)
            missing = published.missing_columns(source.read_header())
            if missing:
                return [], [f"{name}: columns missing from the header: {', '.join(missing)}"]
            rows, problems = [], []
            for raw in source.records():
                if raw.problems or raw.cells is None:
                    problems += [
                        f"{name}, row {raw.row}, {p.field}: {p.reason}" for p in raw.problems
                    ]
                    continue
                rows.append((raw.row, raw.cells))
    except ExtractError as e:
        return [], [str(e)]
    except OSError as e:
        return [], [f"{name}: cannot be read ({e.strerror})"]
    indicators, row_problems = published.read(rows)
    return indicators, problems + [p.describe(name) for p in row_problems]


def _load(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.national import actions

    if not args.file.is_file():
        print(f"onestory national load: {args.file} is not a file", file=sys.stderr)
        return 2
    indicators, problems = read_file(args.file)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    if not indicators:
        print(f"onestory national load: nothing to load from {args.file.name}", file=sys.stderr)
        return 2
    counts = actions.load_published(indicators, source=args.file.name, by=Actor.system("national"))
    print(
        f"Indicators from {args.file.name}: {len(indicators):,} rows; {counts['created']:,} new, "
        f"{counts['updated']:,} changed, {counts['unchanged']:,} already there."
    )
    if problems:
        print(f"{len(problems)} rows left out (listed above).")
        return 3
    return 0


def _publish(args) -> int:
    """The publication a partnership sends: each locality's indicators per quarter, small
    numbers suppressed (a count of 1-7 written as "suppressed"), costs left out."""
    import csv

    from onestory.audit.actions import record_event
    from onestory.audit.domain.actor import Actor
    from onestory.evaluation.indicators import domain as ind
    from onestory.evaluation.indicators import queries as iq
    from onestory.national.domain.published import kind_of

    by = Actor.system("national")
    names = [n for n in ind.INDICATORS if kind_of(n) != "cost"]
    try:
        if args.nation:
            from onestory.evaluation.indicators.nation import nation_panel

            frame = nation_panel(args.nation, names)
        else:
            frame = iq.locality_quarter_panel(
                by=by, indicators=names, first=args.first, last=args.last
            )
    except (ValueError, FileNotFoundError) as e:
        print(f"onestory national publish: {e}", file=sys.stderr)
        return 2
    rows = iq.published(frame)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["partnership", "locality", "quarter", "indicator", "numerator", "denominator"]
        )
        written = 0
        for r in rows:
            if r["denominator"] is None or not r["denominator"]:
                continue  # no one to count, or too few to say how many
            numerator = "suppressed" if r["suppressed"] else r["numerator"]
            writer.writerow(
                [
                    r["partnership"],
                    r["locality"],
                    r["quarter"],
                    r["indicator"],
                    numerator,
                    r["denominator"],
                ]
            )
            written += 1
    record_event(
        by=by,
        action="national.indicators_published",
        detail={
            "rows": written,
            "suppressed": sum(1 for r in rows if r["suppressed"]),
            "source": "nation" if args.nation else "record",
        },
    )
    print(f"Wrote {written:,} rows to {args.out} (counts of 1 to 7 written as suppressed).")
    return 0


def _model(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.national import actions

    try:
        m = actions.record_model(
            partnership=args.partnership,
            from_quarter=args.from_quarter,
            budget=args.budget,
            mdt=args.mdt,
            shared_records=args.shared_records,
            lead_commissioner=args.lead_commissioner,
            host=args.host,
            section75_scope=args.scope,
            record_sharers=args.sharer,
            reason=args.reason,
            by=Actor.system("national"),
        )
    except ValueError as e:
        print(f"onestory national model: {e}", file=sys.stderr)
        return 2
    print(
        f"{m.partnership} from {m.from_quarter}: {m.get_budget_display()}, {m.get_mdt_display()}."
    )
    return 0


def _funnel(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.national import queries
    from onestory.national.domain.published import QUARTER

    if not QUARTER.match(args.quarter):
        print("onestory national funnel: --quarter must be like 2025Q3", file=sys.stderr)
        return 2
    result = queries.funnel(
        by=Actor.system("national"),
        indicator=args.indicator,
        quarter=args.quarter,
        level=args.level,
        budget=args.budget,
        method=args.overdispersion,
    )
    if not result.rows:
        print(
            f"onestory national funnel: no published {args.indicator} for {args.quarter}",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(as_json(result), indent=2))
        return 0
    print(
        f"{result.indicator}, {result.quarter}, by {result.level}: national {result.target:,.2f} {result.unit}"
    )
    if result.dispersion:
        print(result.dispersion.describe())
    for r in result.rows:
        print(
            f"  {r.place:<10} {r.value:>10,.2f} ({r.ci_low:,.2f} to {r.ci_high:,.2f})  "
            f"{r.budget or '—':<8} {r.flag}"
        )
    if result.suppressed:
        print(f"{result.suppressed} places left out: their count was suppressed (fewer than 8).")
    return 0


def as_json(result) -> dict:
    d = result.dispersion
    return {
        "indicator": result.indicator,
        "quarter": result.quarter,
        "level": result.level,
        "budget": result.budget or None,
        "unit": result.unit,
        "target": result.target,
        "overdispersion": {
            "method": d.method,
            "phi": d.phi,
            "tau2": d.tau2,
            "applied": d.overdispersed and d.method != "none",
        }
        if d
        else None,
        "suppressed_places": result.suppressed,
        "places": [
            {
                "place": r.place,
                "partnership": r.partnership,
                "budget": r.budget or None,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "value": r.value,
                "ci95": [r.ci_low, r.ci_high],
                "limits95": [r.lower95, r.upper95],
                "limits998": [r.lower998, r.upper998],
                "flag": r.flag or None,
            }
            for r in result.rows
        ],
    }
