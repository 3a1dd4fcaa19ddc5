"""Reads of what imports did. Quarantined rows hold the source's raw row (names, dates of
birth, NHS numbers), so reading them needs `VIEW_IMPORT_PROBLEMS` and is audited."""

from django.db.models import QuerySet

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.sources.models import ImportFile, QuarantinedRow, SourceRecord


def list_quarantined_rows(
    *, by: Actor, kind: str | None = None, file_name: str | None = None
) -> list[QuarantinedRow]:
    """Quarantined rows, by file and row, optionally for one source kind or file. The read
    is audited (with the filters and how many rows were shown, never their contents)."""
    require(by, Permission.VIEW_IMPORT_PROBLEMS)
    rows: QuerySet[QuarantinedRow] = QuarantinedRow.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    if file_name:
        rows = rows.filter(file_name=file_name)
    result = list(rows.order_by("file_name", "row_number", "id"))
    record_event(
        by=by,
        action="sources.view_problems",
        detail={"kind": kind or "", "file_name": file_name or "", "rows": len(result)},
    )
    return result


def list_imports(*, by: Actor) -> list[ImportFile]:
    """Every import of every file, newest first: counts only, no personal data."""
    require(by, Permission.VIEW_IMPORT_PROBLEMS)
    return list(ImportFile.objects.all())


def count_unlinked_records(*, by: Actor) -> int:
    """How many source records are not in the current person index run (all of them before
    the first `onestory link`). A count, no personal data."""
    require(by, Permission.VIEW_IMPORT_PROBLEMS)
    return SourceRecord.objects.exclude(links__run__is_current=True).count()
