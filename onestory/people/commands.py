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
        help="linkage method: Splink (default) or the deterministic NHS-number rule",
    )
    p.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="where Splink runs: DuckDB, embedded (default), or Spark (pyspark, local mode; "
        "needs Java) for national scale",
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
    _register_identity(sub)


def _register_identity(sub):
    p = sub.add_parser(
        "identity",
        help="merge two people, or split records off a person (audited, with a reason)",
        description=(
            "Merge and unmerge as a data-quality officer would on the identity pages: each "
            "makes a new person-index run and a decision every later run applies. A PERSON "
            "is a person id (UUID) or an NHS number."
        ),
    )
    actions = p.add_subparsers(dest="identity_command", metavar="ACTION", required=True)
    m = actions.add_parser("merge", help="merge two people into one")
    m.add_argument("people", nargs=2, metavar="PERSON")
    m.add_argument("--reason", required=True, help="why they are the same person")
    m.set_defaults(handler=_merge)
    u = actions.add_parser("unmerge", help="split source records off a person")
    u.add_argument("person", metavar="PERSON")
    u.add_argument(
        "--record",
        nargs="+",
        required=True,
        metavar="SYSTEM:LOCAL_ID",
        help="the records to split off, e.g. housing:H001:T0042",
    )
    u.add_argument("--reason", required=True, help="why these records are not the person")
    u.set_defaults(handler=_unmerge)


def _cli_actor():
    from onestory.audit.domain.actor import Actor

    return Actor.system(f"cli:{getpass.getuser()}")


def _holder_of(record_id: int):
    from onestory.people.actions import current_run
    from onestory.people.models import PersonLink

    return PersonLink.objects.get(run=current_run(), record_id=record_id).person


def _merge(args):
    from rich.console import Console

    from onestory.people import queries
    from onestory.people.actions import merge_people

    console, by = Console(), _cli_actor()
    if not args.reason.strip():
        console.print("[red]--reason must say why[/red]")
        return 2
    try:
        a, b = (queries.find_person(by=by, term=t) for t in args.people)
        first = queries.person_identity(by=by, person=a).records
        run = merge_people(by=by, people=(a.pk, b.pk), reason=args.reason)
    except ValueError as exc:  # NotFound is a ValueError too
        console.print(f"[red]{exc}[/red]")
        return 2
    survivor = _holder_of(first[0].record.pk)
    console.print(
        f"Merged into person {survivor.external_id} (person index run {run.version}, "
        f"{len(survivor.links.filter(run=run))} records)."
    )
    return 0


def _unmerge(args):
    from rich.console import Console

    from onestory.people import queries
    from onestory.people.actions import unmerge_records

    console, by = Console(), _cli_actor()
    if not args.reason.strip():
        console.print("[red]--reason must say why[/red]")
        return 2
    try:
        person = queries.find_person(by=by, term=args.person)
        records = queries.records_by_key(args.record)
        run = unmerge_records(
            by=by, person=person.pk, record_ids=[r.pk for r in records], reason=args.reason
        )
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    other = _holder_of(records[0].pk)
    console.print(
        f"Split {len(records)} record(s) off into person {other.external_id} "
        f"(person index run {run.version}); {person.external_id} keeps the rest."
    )
    return 0


def _splink(engine: str, **options):
    if engine == "spark":
        from onestory.people.engines.spark_linker import SparkLinker

        return SparkLinker(**options)
    from onestory.people.engines.splink_linker import SplinkLinker

    return SplinkLinker(**options)


def _spark_problem(args) -> str | None:
    """Why the chosen engine cannot run here, if it cannot."""
    if args.engine != "spark" or (args.method == "deterministic" and not args.config):
        return None
    from onestory.people.engines.spark_linker import spark_unavailable

    return spark_unavailable()


def _linker(method: str, engine: str = "duckdb"):
    if method == "deterministic":
        from onestory.people.domain.linkage import DeterministicLinker

        return DeterministicLinker()
    return _splink(engine)


def _file_linker(threshold: float | None, engine: str = "duckdb"):
    if threshold is None:
        return _splink(engine, keep_scores=True)
    return _splink(engine, keep_scores=True, link_threshold=threshold)


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
            linker=_file_linker(args.threshold, args.engine),
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

    if problem := _spark_problem(args):
        Console().print(f"[red]--engine spark cannot run here: {problem}[/red]")
        return 2
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
        run = run_linkage(by=by, linker=_linker(args.method, args.engine))
        out = {"version": run.version, "method": run.method, **run.stats}
        print(json.dumps({**out, "error_estimate": _error_estimate(run)}))
        return 0
    with Progress(transient=True) as bar:
        task = bar.add_task("Linking", total=None)
        run = run_linkage(
            by=by,
            linker=_linker(args.method, args.engine),
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
    e = _error_estimate(run)
    if e["link_threshold"] is not None:
        console.print(
            f"The model expects about {e['expected_false_links']:,.0f} wrong joins among the "
            f"pairs it joined (match probability {e['link_threshold']:.3f} or more) and about "
            f"{e['expected_missed_links']:,.0f} true matches among the pairs it left apart."
        )
    if e["review_pairs"]:
        console.print(
            f"Of the {e['review_pairs']:,} pairs in review, about "
            f"{e['review_expected_matches']:,.0f} are the same person and about "
            f"{e['review_expected_non_matches']:,.0f} are not, by their own probabilities."
        )
    return 0


def _error_estimate(run) -> dict:
    """The run's review queue against the model's estimate of its errors (ADR 0029):
    counts and sums of probabilities only."""
    from onestory.people.domain.harm import queue_estimate
    from onestory.people.models import ReviewPair

    extras = (run.model or {}).get("onestory", {})
    queue = queue_estimate(
        list(ReviewPair.objects.filter(run=run).values_list("match_probability", flat=True))
    )
    return {
        "link_threshold": extras.get("link_threshold"),
        "expected_false_links": extras.get("expected_false_links"),
        "expected_missed_links": extras.get("expected_missed_links"),
        "review_pairs": queue.pairs,
        "review_expected_matches": round(queue.expected_matches, 3),
        "review_expected_non_matches": round(queue.expected_non_matches, 3),
    }
