"""`onestory synth --partnerships N --localities M --years Y` (or `--scenario FILE.toml`):
write a synthetic nation, with a progress bar and a summary."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import generate_nation
from .scenario import ScenarioError, build, load


def run_nation(args, console: Console) -> int:
    settings = {
        "seed": args.seed,
        "people": args.people,
        "partnerships": getattr(args, "partnerships", None),
        "localities": getattr(args, "localities", None),
        "years": getattr(args, "years", None),
    }
    try:
        if getattr(args, "scenario", None) is not None:
            scenario = load(args.scenario, **settings)
        else:
            defaults = {
                "seed": 42,
                "people": 10_000,
                "partnerships": 2,
                "localities": 3,
                "years": 6,
            }
            chosen = {k: v if v is not None else defaults[k] for k, v in settings.items()}
            scenario = build(
                seed=chosen["seed"],
                people=chosen["people"],
                partnerships=chosen["partnerships"],
                localities=chosen["localities"],
                years=chosen["years"],
            )
    except ScenarioError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    fmt = getattr(args, "format", None) or "extracts"
    formats = {"extracts", "parquet"} if fmt == "both" else {fmt}
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Building the nation", total=scenario.people)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        summary = generate_nation(scenario, args.out, formats, progress)
    elapsed = time.perf_counter() - started
    table = Table(title=f"Synthetic nation in {args.out}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in sorted(summary.files.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(
        f"{scenario.people:,} people in {scenario.partnerships} partnerships × "
        f"{scenario.localities} localities over {scenario.quarters} quarters, "
        f"{len(scenario.initiatives)} initiatives, seed {scenario.seed}, {elapsed:.1f} s"
    )
    return 0
