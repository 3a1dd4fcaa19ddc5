"""`onestory places load DIR` (the partnerships, localities and practices of a synthetic
nation's `places/`, or files of the same shape) and `onestory places list`."""

import json
import sys
from pathlib import Path


def register(sub):
    p = sub.add_parser("places", help="partnerships, localities and their GP practices")
    p_sub = p.add_subparsers(dest="places_command", metavar="ACTION", required=True)
    load = p_sub.add_parser(
        "load", help="load partnerships.csv, localities.csv and practices.csv from a folder"
    )
    load.add_argument("folder", type=Path, help="the folder, or a nation's output folder")
    load.set_defaults(handler=_load)
    ls = p_sub.add_parser("list", help="the partnerships and localities this installation knows")
    ls.add_argument("--json", action="store_true", help="print JSON for outside tools")
    ls.set_defaults(handler=_list)


def read_folder(folder: Path):
    """The catalogue in `folder` (or `folder/places`), with every problem found reading it.
    A file that cannot be read at all is one problem naming it; its rows are then absent."""
    from onestory.places.domain import catalogue as cat
    from onestory.sources.domain.adapters.csv_reader import CsvSource
    from onestory.sources.domain.limits import DEFAULT_LIMITS, ExtractError, check_file_size

    if not (folder / "partnerships.csv").exists() and (folder / "places").is_dir():
        folder = folder / "places"
    rows: dict[str, list[dict]] = {}
    problems: list[cat.Problem] = []
    for name in cat.FILES:
        path = folder / name
        if not path.is_file():
            problems.append(cat.Problem(name, 0, "", f"not found in {folder}"))
            continue
        try:
            check_file_size(path, DEFAULT_LIMITS.max_file_bytes)
            with path.open("rb") as stream:
                source = CsvSource(stream, name, DEFAULT_LIMITS)
                missing = cat.missing_columns(name, source.read_header())
                if missing:
                    problems.extend(missing)
                    continue
                good = []
                for raw in source.records():
                    if raw.problems or raw.cells is None:
                        problems.extend(
                            cat.Problem(
                                name, raw.row, p.field if p.field != "row" else "", p.reason
                            )
                            for p in raw.problems
                        )
                        continue
                    good.append(raw.cells)
                rows[name] = good
        except ExtractError as e:
            problems.append(cat.Problem(name, 0, "", str(e).removeprefix(f"{name}: ")))
        except OSError as e:
            problems.append(cat.Problem(name, 0, "", f"cannot be read ({e.strerror})"))
    result = cat.read(rows)
    result.problems[:0] = problems
    return folder, result


def _load(args) -> int:
    from onestory.audit.domain.actor import Actor
    from onestory.places import actions

    if not args.folder.is_dir():
        print(f"onestory places load: {args.folder} is not a folder", file=sys.stderr)
        return 2
    folder, catalogue = read_folder(args.folder)
    for problem in catalogue.problems:
        print(f"  {problem}", file=sys.stderr)
    if not catalogue.partnerships and not catalogue.localities and not catalogue.practices:
        print(f"onestory places load: nothing to load from {folder}", file=sys.stderr)
        return 2
    loaded = actions.load_catalogue(catalogue, source=folder.name, by=Actor.system("places"))
    print(
        f"Places from {folder}: {len(catalogue.partnerships)} partnerships, "
        f"{len(catalogue.localities)} localities, {len(catalogue.practices)} practices; "
        f"{loaded.created} new, {loaded.updated} changed, {loaded.unchanged} already there."
    )
    if catalogue.problems:
        print(f"{len(catalogue.problems)} rows left out (listed above).")
        return 3
    return 0


def _list(args) -> int:
    from onestory.places import queries

    data = [
        {
            "code": p.code,
            "name": p.name,
            "localities": [
                {"code": loc.code, "name": loc.name} for loc in queries.localities(p.code)
            ],
        }
        for p in queries.partnerships()
    ]
    if args.json:
        print(json.dumps({"partnerships": data}, indent=2))
        return 0
    if not data:
        print("No partnerships yet: load them with `onestory places load FOLDER`.")
    for p in data:
        print(f"{p['code']}  {p['name']}")
        for loc in p["localities"]:
            print(f"    {loc['code']}  {loc['name']}")
    return 0
