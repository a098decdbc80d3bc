"""The benchmark's raw DuckDB SQL: the catalog formulas written as SQL, independently of queries/."""

from __future__ import annotations

from collections.abc import Sequence

from bench.impl_pandas import leaf, split_stat
from queries.catalog import indicator, indicator_ids
from store.columns import MONEY

INT_COLUMNS: set[str] = set()  # filled by bind(): integer canonical columns (sums cast back to BIGINT)
FUND_TOTAL_SQL = (
    "CASE WHEN "
    + " AND ".join(f"{c} IS NULL" for c in MONEY)
    + " THEN NULL ELSE "
    + " + ".join(f"coalesce({c}, 0)" for c in MONEY)
    + " END"
)
STATS = {"_mean": "avg", "_min": "min", "_median": "median", "_max": "max"}


def bind(int_columns: Sequence[str]) -> None:
    INT_COLUMNS.clear()
    INT_COLUMNS.update(int_columns)


def q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def group_sql(name: str) -> str:
    """SQL aggregate for a catalog indicator over a group of community rows."""
    if name == "communities":
        return "count(*)"
    if name == "streets":
        return "count(DISTINCT district_id || '/' || street)"
    row = indicator(name) if name in indicator_ids() else None
    if row is None or row["kind"] == "sum":
        col = leaf(name)
        return f"CAST(sum({col}) AS BIGINT)" if col in INT_COLUMNS else f"sum({col})"
    num, den = group_sql(row["numerator"]), group_sql(row["denominator"])
    return _ratio(num, den, row["scale"])


def row_sql(name: str) -> str:
    """SQL expression for a catalog indicator of one community row."""
    if name == "communities":
        return "CAST(1 AS BIGINT)"
    if name == "streets":
        return "CAST(street IS NOT NULL AS BIGINT)"
    row = indicator(name) if name in indicator_ids() else None
    if row is None or row["kind"] == "sum":
        return leaf(name)
    return _ratio(row_sql(row["numerator"]), row_sql(row["denominator"]), row["scale"])


def _ratio(num: str, den: str, scale: float | None) -> str:
    expr = f"CAST({num} AS DOUBLE) / NULLIF({den}, 0)"
    return expr if scale in (None, 1.0) else f"{expr} * {scale!r}"


def select_list(indicators: Sequence[str]) -> str:
    out = []
    for col in indicators:
        base, suffix = split_stat(col)
        expr = f"{STATS[suffix]}({row_sql(base)})" if suffix else group_sql(base)
        out.append(f"{expr} AS {col}")
    return ", ".join(out)


def source(table: str, where: str | None = None) -> str:
    """The rows with the derived row-wise fund total, optionally filtered."""
    clause = f" WHERE {where}" if where else ""
    return f"(SELECT *, {FUND_TOTAL_SQL} AS fund_total FROM {table}{clause})"


def aggregate(
    table: str, by: Sequence[str], indicators: Sequence[str], where: str | None = None, synthetic: bool = False
) -> str:
    keys = ", ".join(by)
    extra = ", bool_or(synthetic) AS synthetic" if synthetic else ""
    return f"SELECT {keys + ', ' if keys else ''}{select_list(indicators)}{extra} FROM {source(table, where)} r" + (
        f" GROUP BY {keys} ORDER BY {keys} NULLS LAST" if keys else ""
    )


def community(table: str, keys: Sequence[str], indicators: Sequence[str], where: str | None = None) -> str:
    cols = ", ".join(f"{row_sql(c)} AS {c}" for c in indicators)
    k = ", ".join(keys)
    return f"SELECT {k}, {cols} FROM {source(table, where)} r ORDER BY {k} NULLS LAST"
