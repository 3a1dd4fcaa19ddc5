"""The analytics engines (indicators, case finding, segments) on Spark: a connection that
speaks the DuckDB connection's interface and runs the engines' own SQL in Spark SQL."""
