"""`onestory casefinding` (score the whole population and write the model's validation
report) and `onestory casework escalate|followup`."""

from datetime import date
from pathlib import Path

REPORT_DIR = Path("var/reports")


def register(sub):
    p = sub.add_parser(
        "casefinding",
        help="compute eFI, risk of emergency admission and LACE for everyone (DuckDB)",
    )
    p.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (today)")
    p.add_argument("--report", type=Path, default=None, help="validation report (HTML) path")
    p.set_defaults(handler=_casefinding)

    c = sub.add_parser("casework", help="MDT case management")
    c_sub = c.add_subparsers(dest="casework_command", metavar="ACTION", required=True)
    e = c_sub.add_parser("escalate", help="escalate overdue actions to care coordinators")
    e.set_defaults(handler=_escalate)
    f = c_sub.add_parser("followup", help="before/after outcomes of the caseload vs matched")
    f.add_argument("--out", type=Path, default=REPORT_DIR / "mdt-followup.html")
    f.set_defaults(handler=_followup)


def _require_person_index() -> None:
    from onestory.cli import CommandError
    from onestory.people.models import LinkageRun

    if not LinkageRun.objects.filter(is_current=True).exists():
        raise CommandError(
            "there is no person index yet: run `onestory link` first "
            "(after `onestory import DIR` has loaded the extracts)."
        )


def _casefinding(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.casework import actions, report
    from onestory.cli import CommandError

    _require_person_index()
    try:
        run = actions.run_casefinding(by=Actor.system("casefinding"), as_of=args.as_of)
    except ValueError as exc:  # e.g. too few people to train the risk model
        raise CommandError(str(exc)) from exc
    for line in report.summary_lines(run):
        print(line)
    path = args.report or REPORT_DIR / f"casefinding-{run.as_of}.html"
    print(f"Validation report: {report.write(run, path)}")
    return 0


def _escalate(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.casework.actions import escalate_overdue

    n = escalate_overdue(by=Actor.system("casework"))
    print(f"Escalated {n} overdue action{'s' if n != 1 else ''} to care coordinators.")
    return 0


def _followup(args) -> int:
    from onestory.evaluation import followup

    _require_person_index()
    result = followup.compute()
    path = followup.write_report(result, args.out)
    print(f"{result.cases} taken on, {result.matched} matched. Plot: {path}")
    return 0
