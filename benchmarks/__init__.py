"""Benchmarks of kpicore against pandas, polars, duckdb and pm4py (see README.md)."""
