"""`onestory plan import FILE` (a FHIR CarePlan or Bundle, as drafts) and
`onestory plan report` (share of statements in people's own words)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("plan", help="care and support plans: import CarePlans, report")
    actions = p.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="import a FHIR R4B CarePlan (or Bundle) as draft statements for the person",
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--sender", default="", help="name of the sending system (shown on drafts)")
    imp.set_defaults(handler=_import)
    rep = actions.add_parser("report", help="share of plan statements in people's own words")
    rep.set_defaults(handler=_report)


def _import(args) -> int:
    from django.core.exceptions import ValidationError

    from onestory.planning.interchange import import_file

    try:
        result = import_file(args.file, sender=args.sender)
    except (ValidationError, ValueError, OSError) as exc:
        print(f"Not imported: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        return 1
    print(
        f"Imported {result.statements} statements and {result.goals} goals as drafts "
        f"for person {result.person_id}: the person confirms them in OneStory."
    )
    return 0


def _report(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.planning.queries import own_words_report

    report = own_words_report(by=Actor.system("plan-report"))
    share = report.share
    print(
        f"{report.plans} plans ({report.carer_plans} carers' plans besides), "
        f"{share.total} statements: {share.own_words} in the person's own words "
        f"({share.percent_own_words}%), {share.on_behalf} by a representative, "
        f"{share.drafts} professional drafts not yet confirmed."
    )
    return 0
