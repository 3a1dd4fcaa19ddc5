"""`onestory backup --out FILE` and `onestory restore FILE [--replace]` (docs/DEPLOYMENT.md)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("backup", help="write a consistent copy of the database to a file")
    p.add_argument("--out", type=Path, required=True, help="the backup file to write (new)")
    p.set_defaults(handler=_backup)
    p = sub.add_parser(
        "restore", help="put a backup back, then verify the audit log and count every table"
    )
    p.add_argument("file", type=Path, help="a file written by `onestory backup`")
    p.add_argument(
        "--replace", action="store_true", help="overwrite a database that already holds data"
    )
    p.set_defaults(handler=_restore, needs_database=False)


def _backup(args) -> int:
    from onestory.cli import CommandError
    from onestory.ops.backup import BackupError, backup

    try:
        out = backup(args.out)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Backed up the database to {out} ({out.stat().st_size:,} bytes).")
    return 0


def _restore(args) -> int:
    from onestory.cli import CommandError
    from onestory.ops.backup import BackupError, restore

    try:
        report = restore(args.file, replace=args.replace)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Restored {args.file}: {sum(report.rows.values()):,} rows in {len(report.rows)} tables.")
    if not report.audit_ok:
        print(f"The audit log does NOT verify after the restore: {report.audit_problem}")
        return 1
    print(f"Audit log intact: {report.audit_events:,} entries verified against the chain head.")
    return 0
