"""`onestory …`: the command line. Each domain registers its own subcommands; every write
goes through the same audited actions the pages and API use."""

import argparse
import importlib
import os
import sys

# Modules that add subcommands, in the order `onestory --help` lists them.
COMMAND_MODULES = (
    "onestory.synthetic.commands",  # synth
    "onestory.sources.commands",  # import
    "onestory.people.commands",  # link
    "onestory.audit.commands",  # audit verify|anchor
    "onestory.access.commands",  # access escalate
    "onestory.budgets.commands",  # who-pays
    "onestory.demo",  # demo, serve, migrate
    "onestory.planning.commands",  # plan import, plan report
    "onestory.casework.commands",  # casefinding, casework escalate|followup
    "onestory.interop.commands",  # fhir import, export, token
    "onestory.evaluation.commands",  # evaluate did|scm|sdid
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onestory",
        description="OneStory: one record, one plan, one budget across health and social care.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestory.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "needs_django", True):
        setup_django()
    code = args.handler(args)
    sys.exit(code or 0)
