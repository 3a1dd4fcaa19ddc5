"""`onestory evaluate did|scm|sdid`: an effect estimate on any long panel (one row per unit
and period), for outside tools. Bad input is a clear message and exit status 2."""

import csv
import json
import sys
from pathlib import Path

from onestory.evaluation.domain import METHODS


def register(sub):
    p = sub.add_parser(
        "evaluate",
        help="difference-in-differences, synthetic control or synthetic DiD on a panel CSV",
        description="Estimate the effect on the treated units from a long panel CSV "
        "(one row per unit and period). See docs/EVALUATION.md.",
    )
    p.add_argument("method", choices=METHODS)
    p.add_argument("--panel", type=Path, required=True, help="the panel CSV")
    p.add_argument("--unit", required=True, help="the column naming the unit (e.g. locality)")
    p.add_argument("--time", required=True, help="the column naming the period")
    p.add_argument("--outcome", required=True, help="the column with the outcome (a number)")
    p.add_argument("--treated", required=True, help="treated unit(s), comma-separated")
    p.add_argument("--start", required=True, help="the first treated period")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--placebo-draws",
        type=int,
        default=200,
        help="most placebo estimates for the standard error (all if fewer are possible)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for placebo draws (default 0)")
    p.set_defaults(handler=_evaluate, needs_django=False)


def _fail(message: str) -> int:
    print(f"onestory evaluate: error: {message}", file=sys.stderr)
    return 2


def read_panel(args):
    """The panel from the CSV, or a PanelError naming the file, line and column."""
    from onestory.evaluation.domain.panel import PanelError, build_panel

    source = str(args.panel)
    try:
        handle = args.panel.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise PanelError(f"{source}: no such file") from None
    except OSError as exc:
        raise PanelError(f"{source}: cannot be read ({exc.strerror})") from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if not columns:
                raise PanelError(f"{source}: empty file (no header row)")
            rows = [(reader.line_num, row) for row in reader]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise PanelError(f"{source}: not a readable CSV ({exc})") from None
    return build_panel(
        rows,
        columns=columns,
        unit=args.unit,
        time=args.time,
        outcome=args.outcome,
        treated=args.treated.split(","),
        start=args.start,
        source=source,
    )


def _evaluate(args) -> int:
    from onestory.evaluation.domain.panel import PanelError
    from onestory.evaluation.domain.result import evaluate, summary

    if args.placebo_draws < 2:
        return _fail("--placebo-draws must be at least 2")
    try:
        panel = read_panel(args)
    except PanelError as exc:
        return _fail(str(exc))
    try:
        result = evaluate(panel, args.method, placebo_draws=args.placebo_draws, seed=args.seed)
    except ValueError as exc:
        return _fail(f"{args.panel}: {exc}")
    if args.json:
        print(json.dumps(result.body, indent=2))
    else:
        for line in summary(panel, result):
            print(line)
    return 0
