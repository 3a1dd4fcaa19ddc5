"""`onestory access escalate`: list access reviews left too long (break-glass grants and
care-team joins unreviewed for more than 72 hours), for the partnership's privacy leads.
The listing is audited; it shows ids and organisation codes, never who the person is."""


def register(sub):
    p = sub.add_parser("access", help="access reviews (break-glass, care-team joins)")
    access_sub = p.add_subparsers(dest="access_command", metavar="ACTION", required=True)
    e = access_sub.add_parser(
        "escalate",
        help="list break-glass grants and care-team joins waiting more than 72 hours for "
        "review (exit 1 when there are any)",
    )
    e.set_defaults(handler=_escalate)


def _escalate(args):
    from onestory.access.domain.review import REVIEW_OVERDUE_HOURS
    from onestory.access.queries import overdue_reviews
    from onestory.audit.domain.actor import Actor

    items = overdue_reviews(by=Actor.system("access-escalate"))
    if not items:
        print(f"No access reviews are overdue (waiting more than {REVIEW_OVERDUE_HOURS} hours).")
        return 0
    print(
        f"{len(items):,} access review{'s' if len(items) != 1 else ''} overdue "
        f"(waiting more than {REVIEW_OVERDUE_HOURS} hours), now shown to every privacy lead:"
    )
    kinds = {"break_glass": "break-glass grant", "care_team_join": "care-team join"}
    for i in items:
        queue = (
            "its organisation's privacy lead"
            if i.routed == "organisation"
            else "no privacy lead there: partnership"
        )
        print(
            f"  {kinds[i.kind]} #{i.item_id}  {i.organisation_code}  waiting {i.hours_waiting} h"
            f"  ({queue})"
        )
    return 1
