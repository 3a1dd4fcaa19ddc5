"""`onestory synth`: write a synthetic borough's source extracts (test and demo data)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("synth", help="generate a synthetic borough's source extracts")
    p.add_argument("--people", type=int, default=None, help="how many people (default 1000)")
    p.add_argument(
        "--seed", type=int, default=None, help="random seed: same seed, same data (default 42)"
    )
    p.add_argument("--out", type=Path, required=True, help="directory to write the extracts to")
    p.add_argument(
        "--error-rate",
        type=float,
        default=0.002,
        help="share of rows made invalid on purpose, to exercise quarantine (default 0.002)",
    )
    nation = p.add_argument_group(
        "nation mode",
        "several partnerships and localities over years, with initiatives whose effects are "
        "known (docs/SYNTHETIC_DATA.md); any of these options switches it on",
    )
    nation.add_argument("--partnerships", type=int, default=None, help="partnerships (ICSs)")
    nation.add_argument("--localities", type=int, default=None, help="localities per partnership")
    nation.add_argument("--years", type=int, default=None, help="years of quarters (default 6)")
    nation.add_argument(
        "--scenario", type=Path, default=None, help="a TOML scenario: places and initiatives"
    )
    nation.add_argument(
        "--format",
        choices=("extracts", "parquet", "both"),
        default=None,
        help="extracts per partnership (default), Parquet tables for large runs, or both",
    )
    p.set_defaults(handler=_synth, needs_django=False)


def _synth(args):
    from onestory.synthetic.cli import run

    return run(args)
