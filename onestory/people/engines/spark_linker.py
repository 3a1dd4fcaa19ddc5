"""The same probabilistic linker on Spark, for national scale.

Everything but the engine is shared with `splink_linker`: the prepared columns, the one
comparison table (in Spark's dialect), training, and clustering under the person index's
constraints. Locally it runs pyspark in local mode with no UI and no network; on a cluster,
pass the cluster's session. Spark needs Java; `spark_unavailable()` says why it cannot run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from uuid import uuid4

from onestory.people.domain.linkage import LinkageRecord
from onestory.people.engines.dialects import SPARK
from onestory.people.engines.splink_linker import COLUMNS, SplinkLinker, prepare_rows

_LIST_COLUMNS = {"given_groups", "family_parts", "address_tokens"}
_SESSION_LOCK = threading.Lock()


def spark_unavailable() -> str | None:
    """Why Spark cannot run here (pyspark missing, or no Java), or None when it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (uv sync installs it with the dev dependencies)"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(f"{java_home}/bin/java")):
        return (
            "Java is not installed (Spark needs a JRE, e.g. apt-get install default-jre-headless)"
        )
    return None


def local_spark_session(*, cores: int = 2, shuffle_partitions: int = 4):
    """The process's local Spark session, started on first use: `local[cores]`, few shuffle
    partitions (the data is one machine's), no web UI, bound to the loopback interface,
    Splink's similarity functions on the class path, checkpoints in a temporary directory."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    with _SESSION_LOCK:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        spark = (
            SparkSession.builder.master(f"local[{cores}]")
            .appName("onestory-linkage")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
            .config("spark.default.parallelism", str(shuffle_partitions))
            .config("spark.jars", similarity_jar_location())
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="onestory-spark-"))
        return spark


def _schema():
    from pyspark.sql.types import (
        ArrayType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    def kind(column: str):
        if column in ("unique_id", "address_mask"):
            return LongType()
        if column == "birth_year":
            return IntegerType()
        if column in _LIST_COLUMNS:
            return ArrayType(StringType())
        return StringType()

    return StructType([StructField(c, kind(c), nullable=c != "unique_id") for c in COLUMNS])


class SparkLinker(SplinkLinker):
    """Splink on Spark: the DuckDB engine's model, training and clustering, in Spark SQL.
    `spark` is the session to use (the local one by default)."""

    method = "splink-v1-spark"
    dialect = SPARK

    def __init__(self, *, spark=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._spark = spark

    @property
    def spark(self):
        if self._spark is None:
            self._spark = local_spark_session()
        return self._spark

    def _db_api(self):
        from splink import SparkAPI

        # intermediate tables are written as parquet under the session's checkpoint dir:
        # EM's iterations would otherwise grow one ever longer query plan
        return SparkAPI(spark_session=self.spark, break_lineage_method="parquet")

    def _release(self, db_api) -> None:
        """The session outlives a run (its tables are checkpointed to disk): nothing to free."""

    def _register(self, db_api, records: Sequence[LinkageRecord], cols=None):
        cols = cols if cols is not None else prepare_rows(records)
        rows = list(zip(*cols.values(), strict=True))
        frame = self.spark.createDataFrame(rows, schema=_schema())
        # a session outlives a run: each run's input gets its own view name
        return db_api.register(
            frame, dataset_display_name="records", table_name=f"onestory_records_{uuid4().hex}"
        )

    def _fetch(self, predictions, *, all_scores: bool) -> tuple[list[tuple], list[tuple]]:
        frame = predictions.as_spark_dataframe()
        scores = (
            [tuple(r) for r in frame.select("unique_id_l", "unique_id_r", "match_weight").collect()]
            if all_scores
            else []
        )
        rows = (
            frame.filter(frame.match_probability >= self.review_threshold)
            .select("unique_id_l", "unique_id_r", "match_weight", "match_probability")
            .collect()
        )
        return scores, [tuple(r) for r in rows]
