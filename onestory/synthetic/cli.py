"""`onestory synth`: write a synthetic borough's extracts, with a progress bar.

Django is not set up for this command; everything here is plain Python.
"""

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onestory.synthetic import generate

NATION_OPTIONS = ("partnerships", "localities", "years", "scenario", "format")


def run(args) -> int:
    """Generate `args.people` people with `args.seed` into `args.out`; print a summary."""
    console = Console()
    if any(getattr(args, name, None) is not None for name in NATION_OPTIONS):
        from onestory.synthetic.nation.cli import run_nation

        return run_nation(args, console)
    args.people = 1000 if args.people is None else args.people
    args.seed = 42 if args.seed is None else args.seed
    if args.people < 1:
        console.print("[red]--people must be at least 1[/red]")
        return 2
    if not 0.0 <= args.error_rate <= 1.0:
        console.print("[red]--error-rate must be between 0 and 1[/red]")
        return 2
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Building the borough", total=args.people)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        summary = generate(args.people, args.seed, args.out, args.error_rate, progress)
    elapsed = time.perf_counter() - started

    table = Table(title=f"Synthetic borough in {args.out}", show_lines=False)
    table.add_column("file")
    table.add_column("kind")
    table.add_column("rows", justify="right")
    table.add_column("invalid", justify="right")
    for name, info in summary.files.items():
        table.add_row(name, info["kind"], f"{info['rows']:,}", str(info.get("invalid_rows", "")))
    console.print(table)
    console.print(
        f"{summary.people:,} people in {summary.households:,} households, "
        f"{len(summary.files)} files, seed {summary.seed}, {elapsed:.1f} s"
    )
    return 0
