"""`onestory synth`: write a synthetic borough's source extracts (test and demo data)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("synth", help="generate a synthetic borough's source extracts")
    p.add_argument("--people", type=int, default=1000, help="how many people (default 1000)")
    p.add_argument("--seed", type=int, default=42, help="random seed: same seed, same borough")
    p.add_argument("--out", type=Path, required=True, help="directory to write the extracts to")
    p.add_argument(
        "--error-rate",
        type=float,
        default=0.002,
        help="share of rows made invalid on purpose, to exercise quarantine (default 0.002)",
    )
    p.set_defaults(handler=_synth, needs_django=False)


def _synth(args):
    from onestory.synthetic.cli import run

    return run(args)
