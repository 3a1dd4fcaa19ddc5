"""`onestory link`: build the person index."""

import getpass
import json


def register(sub):
    p = sub.add_parser("link", help="link source records into people (a new person-index run)")
    p.add_argument("--json", action="store_true", help="print the run's figures as JSON")
    p.add_argument(
        "--method",
        choices=("splink", "deterministic"),
        default="splink",
        help="linkage engine: Splink on DuckDB (default) or the deterministic NHS-number rule",
    )
    p.set_defaults(handler=_link)


def _linker(method: str):
    if method == "deterministic":
        from onestory.people.domain.linkage import DeterministicLinker

        return DeterministicLinker()
    from onestory.people.engines.splink_linker import SplinkLinker

    return SplinkLinker()


def _link(args):
    from rich.console import Console
    from rich.progress import Progress

    from onestory.audit.domain.actor import Actor
    from onestory.people.actions import run_linkage

    by = Actor.system(f"cli:{getpass.getuser()}")
    if args.json:
        run = run_linkage(by=by, linker=_linker(args.method))
        print(json.dumps({"version": run.version, "method": run.method, **run.stats}))
        return 0
    with Progress(transient=True) as bar:
        task = bar.add_task("Linking", total=None)
        run = run_linkage(
            by=by,
            linker=_linker(args.method),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    s = run.stats
    console = Console()
    console.print(
        f"Person index run {run.version} ({run.method}): {s['records']:,} source records "
        f"→ {s['people']:,} people ({s['new_people']:,} new, {s['records_moved']:,} records moved)."
    )
    for rule, n in sorted(s["by_rule"].items()):
        console.print(f"  {rule:<28} {n:>9,}")
    return 0
