"""`onestory audit verify|anchor`: check the audit log's hash chain, and copy its head out of
the database so that a rewrite of the whole log can be found later."""

AUDIT_HELP = """\
The audit log is a hash chain: each entry holds the hash of the one before it, and a
one-row chain head in the database holds the number of entries and the last hash.
`verify` recomputes the chain, names the first broken link and compares the chain with the
head, so entries edited or deleted in the middle, or deleted at the end, are reported.
Someone able to rewrite the database could rewrite the head too; `anchor` therefore copies
the head (count, last hash, time) to a file outside the database - run it on a schedule and
keep the file where the database's users cannot write (another host, write-once storage).
`verify --anchor FILE` then checks that the log still holds every anchored prefix unchanged.
"""


def register(sub):
    p = sub.add_parser(
        "audit", help="the audit log", description=AUDIT_HELP, formatter_class=_raw()
    )
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = audit_sub.add_parser(
        "verify",
        help="recompute the hash chain; report the first broken link or missing entries",
    )
    v.add_argument(
        "--anchor",
        metavar="FILE",
        help="also check every anchor in FILE (JSON lines written by `onestory audit anchor`)",
    )
    v.set_defaults(handler=_verify)
    a = audit_sub.add_parser(
        "anchor",
        help="print the chain head (count, last hash, time) as a JSON line to keep outside "
        "the database",
    )
    a.add_argument("--out", metavar="FILE", help="append the line to FILE as well")
    a.set_defaults(handler=_anchor)


def _raw():
    import argparse

    return argparse.RawDescriptionHelpFormatter


def read_anchors(path: str):
    """The anchors in a JSON-lines file; ValueError naming the file, line and field."""
    from onestory.audit.domain.chain import parse_anchor_line

    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the anchor file ({exc.strerror})") from None
    anchors = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            anchors.append(parse_anchor_line(line))
        except ValueError as exc:
            raise ValueError(f"{path}, line {number}: {exc}") from None
    if not anchors:
        raise ValueError(f"{path}: no anchors in the file")
    return anchors


def _verify(args):
    from onestory.audit.actions import verify_audit_log

    anchors = []
    if args.anchor:
        try:
            anchors = read_anchors(args.anchor)
        except ValueError as exc:
            print(f"Cannot verify against the anchors: {exc}")
            return 2
    check = verify_audit_log(anchors)
    if check.first_broken_id is not None:
        print(
            f"Audit log BROKEN at entry #{check.first_broken_id}: {check.reason} "
            f"({check.checked:,} entries before it verified)."
        )
        return 1
    if check.problems:
        print(f"Audit log INCOMPLETE OR REWRITTEN: {check.checked:,} entries chain correctly, but")
        for problem in check.problems:
            print(f"  - {problem}")
        return 1
    also = f", matching {len(anchors):,} anchor(s)" if anchors else ""
    print(f"Audit log intact: {check.checked:,} entries verified against the chain head{also}.")
    return 0


def _anchor(args):
    from django.db import transaction

    from onestory.audit.actions import chain_head, record_event
    from onestory.audit.domain.actor import Actor
    from onestory.audit.domain.chain import anchor_line

    head = chain_head()
    line = anchor_line(head)
    if args.out:
        try:
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            print(f"{args.out}: cannot write the anchor ({exc.strerror})")
            return 2
    print(line)
    with transaction.atomic():
        record_event(
            by=Actor.system("audit-anchor"),
            action="audit.anchor",
            detail={"count": head.count, "written_to_file": bool(args.out)},
        )
    return 0
