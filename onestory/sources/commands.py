"""`onestory import` (`onestory synth` lives in `onestory.synthetic`)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("import", help="load extracts (a directory or one file) into the database")
    p.add_argument("path", type=Path, help="a directory of extracts, or one extract file")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(handler=_import)


def _import(args):
    from onestory.sources.import_cli import run

    return run(args)
