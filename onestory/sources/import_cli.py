"""`onestory import PATH [--json]`: load a directory of extracts (or one file).

Quarantined rows are expected (real extracts have them), so they do not make the command
fail; it exits non-zero only when nothing could be read."""

import getpass
import json
import sys
import time
from pathlib import Path

from onestory.audit.domain.actor import Actor
from onestory.sources.domain.facts import SOURCE_KIND_LABELS


def _problems_page() -> str:
    """Where the import-problems page lives, when the web app has one."""
    from django.urls import NoReverseMatch, reverse

    try:
        return f"the Import problems page ({reverse('import-problems')})"
    except (NoReverseMatch, ImportError):
        return "the Import problems page"


class _RichProgress:
    """One progress bar per file, counting rows as the adapter reads them."""

    def __init__(self, bar) -> None:
        self.bar = bar
        self.tasks: dict[Path, int] = {}

    def file_started(self, path: Path, kind: str) -> None:
        self.tasks[path] = self.bar.add_task(path.name, total=None, rows=0)

    def rows_read(self, path: Path, count: int) -> None:
        self.bar.update(self.tasks[path], rows=count)

    def file_finished(self, path: Path, result) -> None:
        done = max(result.read, 1)
        self.bar.update(self.tasks[path], total=done, completed=done, rows=result.read)


def run(args) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from onestory.sources.actions import NothingToImport, import_path
    from onestory.sources.domain.adapters import ExtractError
    from onestory.sources.queries import count_unlinked_records

    by = Actor.system(f"cli:{getpass.getuser()}", channel="cli")
    console = Console(stderr=args.json)
    started = time.perf_counter()
    try:
        if args.json:
            result = import_path(args.path, by=by)
        else:
            with Progress(
                TextColumn("{task.description:<32}"),
                BarColumn(),
                TextColumn("{task.fields[rows]:>9,} rows"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                result = import_path(args.path, by=by, progress=_RichProgress(bar))
    except (NothingToImport, ExtractError) as exc:
        console.print(f"[red]Nothing imported:[/red] {exc}")
        return 2
    seconds = time.perf_counter() - started
    totals = result.totals()
    unlinked = count_unlinked_records(by=by)

    if args.json:
        payload = {
            "files": [
                {
                    **f.counts(),
                    **({"error": f.error} if f.error else {}),
                    **({"warnings": f.warnings} if f.warnings else {}),
                }
                for f in result.files
            ],
            "totals": totals,
            "skipped": result.skipped,
            "unlinked_records": unlinked,
            "linked_at_once": result.linked_at_once,
            "seconds": round(seconds, 2),
        }
        print(json.dumps(payload, indent=2))
    else:
        table = Table(title="Imported")
        table.add_column("source")
        for name in ("read", "imported", "unchanged", "quarantined"):
            table.add_column(name, justify="right")
        for kind, counts in result.by_kind().items():
            table.add_row(
                SOURCE_KIND_LABELS.get(kind, kind),
                *(f"{counts[n]:,}" for n in ("read", "imported", "unchanged", "quarantined")),
            )
        table.add_row(
            "[bold]total[/bold]",
            *(
                f"[bold]{totals[n]:,}[/bold]"
                for n in ("read", "imported", "unchanged", "quarantined")
            ),
        )
        console.print(table)
        rate = totals["read"] / seconds if seconds else 0
        console.print(f"{totals['read']:,} rows in {seconds:.1f}s ({rate:,.0f} rows/s).")
        for f in result.errors:
            console.print(f"[red]Could not read[/red] {escape(f.error)}")
        for f in result.files:
            for warning in f.warnings:
                console.print(f"[yellow]Warning:[/yellow] {escape(warning)}")
        if result.skipped:
            console.print(f"Not extracts, passed over: {', '.join(result.skipped)}")
        if totals["quarantined"]:
            console.print(
                f"{totals['quarantined']:,} rows quarantined: review them on {_problems_page()}."
            )
        if result.linked_at_once:
            console.print(
                f"{result.linked_at_once:,} new source records joined the person index at once."
            )
        if unlinked:
            console.print(
                f"{unlinked:,} source records are not yet in the person index: run `onestory link`."
            )
    if result.files and all(f.error for f in result.files):
        if args.json:
            print("Nothing imported: no file could be read.", file=sys.stderr)
        return 2
    return 0
