"""Indicators, case finding and segments on DuckDB and on Spark (pyspark, local mode) agree
exactly on a generated nation: the same functions, the same SQL, two engines
(`onestory.spark.connection.SparkConnection`).

One nation (3,000 people, two years) and one Spark session for the module; starting Spark
takes seconds. Without pyspark or Java the cases are skipped, saying why, except in CI
(CI=true), where a missing Spark fails them. No Django database is used."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from onestory.casework import engine as casework
from onestory.commissioning import engine as commissioning
from onestory.commissioning.domain import bcf
from onestory.evaluation.indicators.nation import nation_panel
from onestory.people.engines.spark_linker import spark_unavailable
from onestory.spark import job
from onestory.synthetic.nation import calendar
from onestory.synthetic.nation.casefinding import engine_tables

ROOT = Path(__file__).resolve().parents[2]
YEARS = 2
PANEL_KEYS = ["partnership", "locality", "quarter", "indicator"]


@pytest.fixture(scope="module")
def nation(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nation")
    subprocess.run(
        [sys.executable, "-m", "onestory", "synth", "--partnerships", "2", "--localities", "2",
         "--years", str(YEARS), "--people", "3000", "--seed", "5", "--format", "parquet",
         "--out", str(out)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def spark_con():
    problem = spark_unavailable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI runs the Spark engine's tests, but {problem}")
        pytest.skip(f"Spark engine not testable here: {problem}")
    from pyspark.sql import SparkSession

    from onestory.spark.connection import SparkConnection, session

    # the linkage tests' session may already be running: share it, and leave it running
    shared = SparkSession.getActiveSession() is not None
    spark = session(cores=2, shuffle_partitions=1)
    con = SparkConnection(spark)
    yield con
    con.close()
    if not shared:
        spark.stop()


@pytest.fixture(scope="module")
def population(nation):
    """The nation as case finding's input tables (with an empty coded diagnosis, which the
    nation's spells do not carry), and the day before its last year ends."""
    starts, _ = calendar(YEARS)
    tables = engine_tables(nation, (starts[0] - date(1970, 1, 1)).days)
    tables["hospital"] = tables["hospital"].with_columns(diagnosis_code=pl.lit(None, pl.String))
    return tables, starts[-1] - timedelta(days=1)


def _loaded(con, tables):
    commissioning.load(con, **tables)
    return con


def test_spark_indicator_panel_equals_duckdb_on_a_generated_nation(
    nation, spark_con, tmp_path, capsys
):
    duck = nation_panel(nation).sort(PANEL_KEYS)
    # the Spark side as a cluster runs it: the spark-submit job, writing the panel
    assert job.main(["indicators", "--nation", str(nation), "--out", str(tmp_path / "p.pq")]) == 0
    assert '"rows": 288' in capsys.readouterr().out
    spark = pl.read_parquet(tmp_path / "p.pq").sort(PANEL_KEYS)
    assert duck.height == 2 * 2 * 4 * YEARS * 9  # partnerships × localities × quarters × nine
    assert duck["numerator"].sum() > 1000  # a real panel, not zeros
    assert_frame_equal(spark, duck, check_exact=True)


def test_spark_case_finding_list_equals_duckdb_on_a_generated_nation(population, spark_con):
    tables, as_of = population
    duck_con, spark = casework.connect(), _loaded(spark_con, tables)
    _loaded(duck_con, tables)
    duck_fit, spark_fit = casework.train(duck_con, as_of), casework.train(spark, as_of)
    assert spark_fit.model == duck_fit.model  # the same coefficients, to the last bit
    assert (spark_fit.auc, spark_fit.trained_on) == (duck_fit.auc, duck_fit.trained_on)
    duck = casework.score(duck_con, as_of, duck_fit.model).sort("person_id")
    listed = casework.score(spark, as_of, spark_fit.model).sort("person_id")
    assert duck.height > 2000 and duck["lace"].drop_nulls().len() > 0
    assert_frame_equal(listed, duck, check_exact=True)


def test_spark_segments_and_bcf_metrics_equal_duckdb_on_a_generated_nation(population, spark_con):
    tables, as_of = population
    duck_con, spark = casework.connect(), _loaded(spark_con, tables)
    _loaded(duck_con, tables)
    duck = commissioning.segment_people(duck_con, as_of)
    assert_frame_equal(commissioning.segment_people(spark, as_of), duck, check_exact=True)
    assert sum(1 for n in commissioning.segment_counts(duck).values() if n) >= 3
    area = commissioning.Area("P01L01", "neighbourhood", duck["neighbourhood"][0])
    year = bcf.Year(as_of.year - 1)  # a financial year inside the nation's two
    for where in (commissioning.EVERYONE, area):
        duck_metrics = commissioning.bcf_metrics(duck_con, year, where)
        assert commissioning.bcf_metrics(spark, year, where) == duck_metrics


def test_nation_reablement_on_the_same_day_twice_counts_the_discharge_home_in_either_order(
    nation, tmp_path
):
    """Two discharges into reablement on one day: which one counts must not depend on the
    order an engine reads the rows in (DuckDB only: fast, and the rule is in the SQL)."""
    import shutil

    import duckdb

    from onestory.evaluation.indicators import nation as nation_tables

    copy = tmp_path / "nation"
    shutil.copytree(nation, copy)
    care = pl.read_parquet(copy / "parquet" / "social_care.parquet")
    first = care.filter(pl.col("kind") == 4).unique("person_id", keep="first").head(20)
    assert first.height == 20
    not_home = first.with_columns(outcome_91=pl.lit(1, care["outcome_91"].dtype))
    at_home = first.with_columns(outcome_91=pl.lit(0, care["outcome_91"].dtype))
    rest = care.join(first.select("person_id"), on="person_id", how="anti")
    pl.concat([not_home, at_home, rest]).write_parquet(copy / "parquet" / "social_care.parquet")
    con = duckdb.connect()
    con.execute("SET threads = 1")
    nation_tables.load(con, copy)
    ids = first["person_id"].to_list()
    counted = con.sql(
        "SELECT count(*), count(*) FILTER (WHERE at_home) FROM reablement "
        "WHERE list_contains($ids, person_id)",
        params={"ids": ids},
    ).fetchall()
    assert counted == [(20, 20)]
