"""Benchmark: each page's query set in our polars modules, plain pandas and raw DuckDB SQL."""
