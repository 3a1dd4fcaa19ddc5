"""A Spark session behind the few methods of a DuckDB connection that the analytics engines
use (`execute`, `executemany`, `register`, `unregister`, `sql(...).fetchall()/.pl()`), so
indicators (`evaluation.indicators.engine`), case finding (`casework.engine`) and segments
(`commissioning.engine`) run on Spark through exactly the functions, and exactly the SQL,
that run on DuckDB.

The SQL stays written once, in DuckDB's dialect; each statement is parsed and rewritten for
Spark SQL by sqlglot (QUALIFY becomes a filtered subquery, `list(...)` `collect_list`,
quoting and casts Spark's). Parameters (`?`, `$name`) are bound as typed literals before
the rewrite (floats as DOUBLE, dates as DATE), because Spark reads `1.5` as a decimal.
Tables become Spark temporary views: `CREATE TABLE … AS` is persisted (memory, then disk),
`CREATE TABLE (columns)` followed by `executemany(INSERT …)` makes a view of those rows.
Anything outside this subset raises rather than running differently. The agreement tests
(tests/integration/test_spark_analytics.py) run the engines on both and compare.
No Django here.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
import sqlglot
from sqlglot import exp

_TYPES = {
    "VARCHAR": "STRING",
    "TEXT": "STRING",
    "INT": "INT",
    "INTEGER": "INT",
    "BIGINT": "BIGINT",
    "DATE": "DATE",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
}
_SESSION_LOCK = threading.Lock()


def session(*, cores: int | None = None, shuffle_partitions: int | None = None, memory=None):
    """The process's Spark session. Under `spark-submit` (PYSPARK_GATEWAY_PORT set) the
    master and resources are spark-submit's; otherwise `ONESTORY_SPARK_MASTER` (e.g.
    spark://host:7077) or local mode on `cores` cores (default: all), no web UI, loopback
    only. `ONESTORY_SPARK_SHUFFLE_PARTITIONS` and `ONESTORY_SPARK_DRIVER_MEMORY` override
    the defaults (4 partitions; Spark's own driver memory)."""
    from pyspark.sql import SparkSession

    with _SESSION_LOCK:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        env = os.environ
        partitions = shuffle_partitions or int(env.get("ONESTORY_SPARK_SHUFFLE_PARTITIONS", 4))
        builder = SparkSession.builder.appName("onestory-analytics")
        if "PYSPARK_GATEWAY_PORT" not in env:
            master = env.get("ONESTORY_SPARK_MASTER") or f"local[{cores or '*'}]"
            builder = builder.master(master)
            if master.startswith("local"):
                builder = (
                    builder.config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false")
                )
            driver_memory = memory or env.get("ONESTORY_SPARK_DRIVER_MEMORY")
            if driver_memory:
                builder = builder.config("spark.driver.memory", driver_memory)
        spark = (
            builder.config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        return spark


def _literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), "DOUBLE")
    if isinstance(value, dt.datetime):
        raise TypeError("timestamps are not bound: the engines pass dates")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v) for v in value])
    raise TypeError(f"cannot bind a {type(value).__name__} as a Spark literal")


def to_spark(sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> str:
    """One DuckDB statement as Spark SQL, with its parameters bound as literals."""
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    if len(statements) != 1:
        raise ValueError("one statement at a time")
    tree = statements[0]
    positional = iter(params) if isinstance(params, Sequence) else None

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder | exp.Parameter):
            name = node.args.get("this")  # None for `?`
            if name and isinstance(params, Mapping):
                return _literal(params[name])
            if positional is not None and not name:
                return _literal(next(positional))
            raise ValueError(f"no value for parameter {node.sql('duckdb')}")
        return node

    if params:
        tree = tree.transform(bind)
    return tree.sql(dialect="spark")


class Result:
    """What `sql()` returns: a Spark DataFrame with DuckDB's two ways of fetching."""

    def __init__(self, frame) -> None:
        self.frame = frame

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self.frame.collect()]

    def pl(self) -> pl.DataFrame:
        return pl.from_arrow(self.frame.toArrow())  # type: ignore[return-value]


class SparkConnection:
    """A DuckDB-connection-shaped view of a Spark session (see the module's docstring)."""

    def __init__(self, spark=None) -> None:
        self.spark = spark if spark is not None else session()
        self._declared: dict[str, list[tuple[str, str]]] = {}
        self._persisted: dict[str, Any] = {}

    # --- DuckDB's interface -------------------------------------------------------------

    def sql(self, sql: str, params=None) -> Result:
        return Result(self.spark.sql(to_spark(sql, params)))

    def execute(self, sql: str, params=None) -> SparkConnection:
        tree = sqlglot.parse_one(sql, read="duckdb")
        if isinstance(tree, exp.Set):
            return self  # DuckDB settings (threads): Spark's come from the session
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            self._create_table(tree, params)
            return self
        if isinstance(tree, exp.Create) and tree.kind == "VIEW":
            # a view, temporary or not in DuckDB, is a session's temporary view in Spark
            frame = self.spark.sql(to_spark(tree.expression.sql("duckdb"), params))
            self._replace(tree.this.name, frame, persist=False)
            return self
        self.spark.sql(to_spark(sql, params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> SparkConnection:
        tree = sqlglot.parse_one(sql, read="duckdb")
        if not isinstance(tree, exp.Insert):
            raise ValueError("executemany runs INSERT only")
        name = tree.this.name if isinstance(tree.this, exp.Table) else tree.this.this.name
        columns = self._declared[name]
        schema = ", ".join(f"`{c}` {t}" for c, t in columns)
        frame = self.spark.createDataFrame([tuple(r) for r in rows], schema=schema)
        self._replace(name, frame, persist=False)
        return self

    def register(self, name: str, frame: pl.DataFrame) -> SparkConnection:
        self.spark.createDataFrame(frame.to_arrow()).createOrReplaceTempView(name)
        return self

    def unregister(self, name: str) -> SparkConnection:
        self.spark.catalog.dropTempView(name)
        return self

    def close(self) -> None:
        for frame in self._persisted.values():
            frame.unpersist()
        self._persisted.clear()

    # --- tables as temporary views --------------------------------------------------------

    def _replace(self, name: str, frame, *, persist: bool) -> None:
        old = self._persisted.pop(name, None)
        if persist:
            from pyspark import StorageLevel

            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
            self._persisted[name] = frame
        frame.createOrReplaceTempView(name)
        if old is not None:
            old.unpersist()

    def _create_table(self, tree: exp.Create, params) -> None:
        target = tree.this
        select = tree.expression
        if isinstance(target, exp.Schema):  # CREATE TABLE name (column type, ...)
            name = target.this.name
            columns = []
            for col in target.expressions:
                kind = col.args["kind"].sql("duckdb").upper()
                columns.append((col.name, _TYPES.get(kind, kind)))
            self._declared[name] = columns
            schema = ", ".join(f"`{c}` {t}" for c, t in columns)
            self._replace(name, self.spark.createDataFrame([], schema=schema), persist=False)
            return
        if select is None:
            raise ValueError("CREATE TABLE needs columns or AS SELECT")
        frame = self.spark.sql(to_spark(select.sql("duckdb"), params))
        self._replace(target.name, frame, persist=True)
