"""The DuckDB-to-Spark statement rewrite behind `SparkConnection` (no Spark needed)."""

from datetime import date

import pytest

from onestory.spark.connection import to_spark


def test_spark_sql_binds_floats_as_double_not_decimal():
    sql = to_spark("SELECT $cost * 2 AS x", {"cost": 1.5})
    assert sql == "SELECT CAST(1.5 AS DOUBLE) * 2 AS x"


def test_spark_sql_binds_positional_dates_lists_and_strings_in_order():
    sql = to_spark(
        "SELECT * FROM t WHERE d > ? AND d <= ? AND list_contains(?, k) AND s = ?",
        [date(2025, 4, 1), date(2026, 3, 31), ["a", "b"], "it's"],
    )
    assert "d > CAST('2025-04-01' AS DATE) AND d <= CAST('2026-03-31' AS DATE)" in sql
    assert "ARRAY_CONTAINS(ARRAY('a', 'b'), k)" in sql
    assert "s = 'it\\'s'" in sql


def test_spark_sql_refuses_a_statement_with_an_unbound_parameter():
    with pytest.raises(KeyError):
        to_spark("SELECT $missing", {"other": 1})
    with pytest.raises(ValueError, match="one statement"):
        to_spark("SELECT 1; SELECT 2")


def test_spark_sql_rewrites_qualify_which_spark_lacks_into_a_filtered_subquery():
    sql = to_spark("SELECT p, d FROM t QUALIFY row_number() OVER (PARTITION BY p ORDER BY d) = 1")
    assert "QUALIFY" not in sql
    assert "ROW_NUMBER() OVER (PARTITION BY p ORDER BY d" in sql and "WHERE _w = 1" in sql
