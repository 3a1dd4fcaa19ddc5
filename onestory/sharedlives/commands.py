"""`onestory sharedlives match`: the best assignment of people to carers from two CSV files,
for outside tools. Pure: no database, nothing personal logged."""

import csv
import json
import sys
from pathlib import Path

from onestory.sharedlives import csvio
from onestory.sharedlives.domain import DEFAULT_PER_PERSON

EXIT_SOME_ROWS_SKIPPED = 3


def register(sub) -> None:
    p = sub.add_parser("sharedlives", help="Shared Lives: match people with approved carers")
    inner = p.add_subparsers(dest="sharedlives_command", metavar="SUBCOMMAND", required=True)
    m = inner.add_parser(
        "match",
        help="the best assignment of people to carers, from CSV files",
        description="Match as many people as possible with carers who pass every hard "
        "constraint and have room, then the highest total compatibility. Columns: "
        "docs/SHARED_LIVES.md. Exit 0: all rows read; 3: matched, but some rows were bad "
        "and skipped (listed on stderr).",
    )
    m.add_argument("--people", required=True, type=Path, help="people.csv")
    m.add_argument("--carers", required=True, type=Path, help="carers.csv")
    m.add_argument("--out", required=True, type=Path, help="matches.csv to write")
    m.add_argument("--json", action="store_true", help="print the summary as JSON")
    m.add_argument(
        "--candidates",
        type=int,
        default=DEFAULT_PER_PERSON,
        help="best carers kept per person on large schemes "
        f"(default {DEFAULT_PER_PERSON}; the number matched is exact regardless)",
    )
    m.set_defaults(handler=_match, needs_django=False, parser=m)


def _match(args) -> int:
    if args.candidates < 1:
        args.parser.error("--candidates must be at least 1")
    people, people_errors = csvio.read_people(args.people)
    carers, carer_errors = csvio.read_carers(args.carers)
    errors = people_errors + carer_errors
    for error in errors:
        sys.stderr.write(f"{error}\n")
    from onestory.sharedlives.domain import assignment

    result = assignment.assign(people, carers, per_person=args.candidates)
    try:
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["person_id", "carer_id", "score"])
            for match in result.matches:
                writer.writerow([match.person_id, match.carer_id, match.score])
    except OSError as error:
        sys.stderr.write(f"{args.out}: cannot be written ({error.strerror})\n")
        return 2
    summary = {
        "people": result.people,
        "carers": result.carers,
        "matched": len(result.matches),
        "unmatched": [{"person_id": u.person_id, "reason": u.reason} for u in result.unmatched],
        "total_score": result.total_score,
    }
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        sys.stdout.write(
            f"{summary['matched']} of {result.people} people matched with {result.carers} "
            f"carers; total score {result.total_score}; written to {args.out}\n"
        )
        for u in result.unmatched:
            sys.stdout.write(f"  not matched: {u.person_id}: {u.reason}\n")
    return EXIT_SOME_ROWS_SKIPPED if errors else 0
