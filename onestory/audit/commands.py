"""`onestory audit verify`: check the audit log's hash chain."""


def register(sub):
    p = sub.add_parser("audit", help="the audit log")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = audit_sub.add_parser(
        "verify", help="recompute the hash chain; report the first broken link"
    )
    v.set_defaults(handler=_verify)


def _verify(args):
    from onestory.audit.actions import verify_audit_log

    check = verify_audit_log()
    if check.ok:
        print(f"Audit log intact: {check.checked:,} entries verified.")
        return 0
    print(
        f"Audit log BROKEN at entry #{check.first_broken_id}: {check.reason} "
        f"({check.checked:,} entries before it verified)."
    )
    return 1
