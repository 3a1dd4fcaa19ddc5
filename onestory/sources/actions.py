"""Importing source extracts: the one way source data gets into OneStory.

`import_path` reads a directory of extracts (or one file) through the adapter for each file's
kind, stores the good rows (people, timeline events, relationships) keyed by system and
local id, quarantines the bad ones whole with the file, row and field, and records what it
did. Each file is one transaction with one audit event. Re-importing the same file changes
nothing: every row is compared with what is stored through content hashes preloaded per
system, and the writes are batched (`executemany`, see `store._Writer`).

A file that cannot be read at all (unknown name, missing columns, over a size limit, a
zip bomb…) is reported in its result's `error`, naming the file, and the other files still
import; the limits are `ImportLimits` (docs/EXTRACTS.md "Limits")."""

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from django.db import transaction

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.sources.domain.adapters import (
    Adapter,
    ExtractError,
    ImportLimits,
    adapter_for,
    import_order,
    is_extract,
    is_ignored,
)
from onestory.sources.domain.facts import ParsedRow
from onestory.sources.domain.limits import where_it_failed
from onestory.sources.models import ImportFile
from onestory.sources.store import (  # noqa: F401 - re-exported: the FHIR importer uses them
    BATCH,
    FileResult,
    _FileImport,
    _json_ready,
    person_facts_hash,
    raw_hash,
)

logger = logging.getLogger(__name__)
# How often (in rows) the progress callback hears about reading.
PROGRESS_EVERY = 2000


class NothingToImport(Exception):
    """The path does not exist or holds no extract OneStory recognises."""


COUNT_NAMES = ("read", "imported", "unchanged", "quarantined")


@dataclass
class ImportResult:
    """Every file's result, with totals per source kind and overall."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files in the directory not imported
    linked_at_once: int = 0  # new source records the person index took in straight away

    def by_kind(self) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for f in self.files:
            row = totals.setdefault(f.kind, dict.fromkeys(COUNT_NAMES, 0))
            for name in COUNT_NAMES:
                row[name] += getattr(f, name)
        return totals

    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(f, name) for f in self.files) for name in COUNT_NAMES}

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.error]


class ImportProgress(Protocol):
    """What a caller (the CLI's progress bars) hears while files are imported."""

    def file_started(self, path: Path, kind: str) -> None: ...

    def rows_read(self, path: Path, count: int) -> None: ...

    def file_finished(self, path: Path, result: FileResult) -> None: ...


def extracts_in(path: Path) -> tuple[list[Path], list[str]]:
    """The extracts to import from `path` (a directory or one file), in import order, and
    the names of other files in the directory that were passed over."""
    if not path.exists():
        raise NothingToImport(f"{path} does not exist")
    if path.is_file():
        if is_ignored(path):
            raise NothingToImport(f"{path.name} is never imported (it is not a source extract)")
        adapter_for(path)  # raises ExtractError naming the file when it is not an extract
        return [path], []
    files = sorted((p for p in path.iterdir() if p.is_file()), key=import_order)
    extracts = [p for p in files if is_extract(p)]
    skipped = [p.name for p in files if not is_extract(p) and not is_ignored(p)]
    if not extracts:
        raise NothingToImport(f"{path} holds no source extracts (see docs/EXTRACTS.md)")
    return extracts, skipped


def import_path(
    path: Path,
    *,
    by: Actor,
    progress: ImportProgress | None = None,
    today: date | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Import every extract in a directory (or one extract file). A file that cannot be read
    at all is reported in its result's `error`; the other files still import. `limits`
    bounds what one file may hold (the defaults when None)."""
    require(by, Permission.RUN_IMPORTS)
    files, skipped = extracts_in(Path(path))
    result = ImportResult(skipped=skipped)
    for file_path in files:
        adapter = adapter_for(file_path, limits)
        if progress:
            progress.file_started(file_path, adapter.kind)
        started = time.perf_counter()
        try:
            file_result = import_file(file_path, adapter, by=by, progress=progress, today=today)
        except ExtractError as exc:
            file_result = FileResult(
                file=file_path.name, kind=adapter.kind, error=str(exc), warnings=adapter.warnings
            )
        except Exception as exc:
            # Not expected from any adapter: reported for this file (its transaction is
            # rolled back; the other files still import) and logged by kind only, as the
            # message may quote the file's content.
            logger.error("import of one file failed: %s", where_it_failed(exc))
            error = f"{file_path.name}: could not be imported ({type(exc).__name__}: {exc})"
            file_result = FileResult(file=file_path.name, kind=adapter.kind, error=error)
        file_result.seconds = time.perf_counter() - started
        result.files.append(file_result)
        if progress:
            progress.file_finished(file_path, file_result)
    # A trickle of new people (an API call, a small extract) joins the current person index
    # at once; a large batch waits for `onestory link`, which retrains.
    from onestory.people.realtime_actions import link_new_records

    result.linked_at_once = link_new_records(by=by)
    # The FHIR view of the new timeline entries is made now, as part of the import, not by
    # the first FHIR request after it (which would wait for the whole batch).
    from onestory.interop import projection

    projection.sync()
    return result


def import_file(
    path: Path,
    adapter: Adapter,
    *,
    by: Actor,
    progress: ImportProgress | None = None,
    today: date | None = None,
) -> FileResult:
    """Import one extract in one transaction, with one audit event."""
    require(by, Permission.RUN_IMPORTS)
    rows: list[ParsedRow] = []
    for parsed in adapter.read(path, today):
        rows.append(parsed)
        if progress and len(rows) % PROGRESS_EVERY == 0:
            progress.rows_read(path, len(rows))
    if progress:
        progress.rows_read(path, len(rows))
    with path.open("rb") as fh:
        sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
    with transaction.atomic():
        result = _FileImport(path.name, adapter, rows).run()
        result.warnings = list(adapter.warnings)
        ImportFile.objects.create(
            file_name=path.name,
            sha256=sha256,
            kind=adapter.kind,
            imported_by=by.label[:150],
            rows_read=result.read,
            rows_imported=result.imported,
            rows_unchanged=result.unchanged,
            rows_quarantined=result.quarantined,
        )
        detail = result.counts() | ({"warnings": len(result.warnings)} if result.warnings else {})
        record_event(by=by, action="sources.import", detail=detail)
    return result


__all__ = [
    "BATCH",
    "FileResult",
    "ImportProgress",
    "ImportResult",
    "NothingToImport",
    "extracts_in",
    "import_file",
    "import_path",
]
