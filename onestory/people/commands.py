"""`onestory link`: build the person index, or link arbitrary person files with a mapping."""

import argparse
import getpass
import json
from pathlib import Path


class _ConfigAction(argparse.Action):
    """`--config` links files, not the database: Django is not set up for it."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, Path(values))
        namespace.needs_django = False


def register(sub):
    p = sub.add_parser(
        "link",
        help="link source records into people (a new person-index run), or link files",
        description=(
            "Without --config: a new person-index run over every imported source record. "
            "With --config mapping.toml FILE… --out clusters.csv: link arbitrary CSV/Parquet "
            "person files (no database) and write one row per record with its cluster."
        ),
    )
    p.add_argument("--json", action="store_true", help="print the run's figures as JSON")
    p.add_argument(
        "--method",
        choices=("splink", "deterministic"),
        default="splink",
        help="linkage engine: Splink on DuckDB (default) or the deterministic NHS-number rule",
    )
    p.add_argument(
        "--config", action=_ConfigAction, metavar="MAPPING", help="TOML mapping of the files"
    )
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="files the mapping names")
    p.add_argument("--out", type=Path, help="clusters CSV to write (with --config)")
    p.add_argument("--report", type=Path, help="evaluation report path (default beside --out)")
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="match probability at or above which pairs link (with --config; default 0.99)",
    )
    p.set_defaults(handler=_link)


def _linker(method: str):
    if method == "deterministic":
        from onestory.people.domain.linkage import DeterministicLinker

        return DeterministicLinker()
    from onestory.people.engines.splink_linker import SplinkLinker

    return SplinkLinker()


def _file_linker(threshold: float | None):
    from onestory.people.engines.splink_linker import SplinkLinker

    if threshold is None:
        return SplinkLinker(keep_scores=True)
    return SplinkLinker(keep_scores=True, link_threshold=threshold)


def _link_files(args):
    from rich.console import Console

    from onestory.people.domain.mapping import MappingError
    from onestory.people.extract_link import link_files

    console = Console()
    if args.out is None:
        console.print("[red]--config needs --out clusters.csv[/red]")
        return 2
    try:
        result = link_files(
            args.config,
            list(args.files),
            args.out,
            report=args.report,
            linker=_file_linker(args.threshold),
        )
    except MappingError as exc:
        for problem in exc.problems:
            console.print(f"[red]mapping:[/red] {problem}")
        return 2
    console.print(
        f"{result.records:,} records from {len(result.rows_by_source)} source(s) → "
        f"{result.clusters:,} clusters in {result.seconds:.1f}s; wrote {args.out}"
    )
    if result.score is not None:
        s = result.score
        console.print(
            f"pairwise precision {s.precision:.4f}  recall {s.recall:.4f}  F1 {s.f1:.4f}  "
            f"({s.true_positives:,} of {s.true_pairs:,} true pairs; "
            f"{s.predicted_pairs:,} pairs linked)"
        )
        console.print(f"evaluation report: {result.report}")
    return 0


def _link(args):
    from rich.console import Console

    if getattr(args, "config", None):
        return _link_files(args)
    if args.files or args.out:
        Console().print("[red]FILE… and --out go with --config mapping.toml[/red]")
        return 2
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
    if s.get("review_pairs"):
        console.print(
            f"{s['review_pairs']:,} uncertain pairs wait for review at /identity/review/."
        )
    return 0
