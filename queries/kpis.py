"""The overview's KPI cards for one locality, and the localities that lag furthest behind a target."""

from __future__ import annotations

import polars as pl

from queries.base import aggregate, at_level, level_keys
from queries.catalog import indicator
from queries.scope import in_scope

KPIS: tuple[str, ...] = (
    "compound_coverage",
    "grid_coverage",
    "communities",
    "grids",
    "reported_members",
    "services",
    "fund_total_per_community",
)


def kpis(
    rows: pl.LazyFrame, locality_id: str, localities: pl.DataFrame | pl.LazyFrame, period: str | None = None
) -> pl.DataFrame:
    """One row per KPI (in KPIS order) for one locality and period (default: its latest):
    locality_id, period, prev_period (the locality's period before it, or null), indicator,
    value, value_prev, value_change, synthetic. Empty if the locality has no rows in `period`.
    """
    by_period = aggregate(in_scope(rows, locality_id, localities), ["period"], KPIS, synthetic=True)
    periods = by_period["period"].to_list()
    if period is None and periods:
        period = periods[-1]
    if period not in periods:
        return _empty()
    i = periods.index(period)
    now = by_period.row(i, named=True)
    prev = by_period.row(i - 1, named=True) if i > 0 else None
    records = []
    for name in KPIS:
        value, before = now[name], (prev[name] if prev else None)
        records.append(
            {
                "locality_id": locality_id,
                "period": period,
                "prev_period": prev["period"] if prev else None,
                "indicator": name,
                "value": None if value is None else float(value),
                "value_prev": None if before is None else float(before),
                "value_change": None if value is None or before is None else float(value) - float(before),
                "synthetic": bool(now["synthetic"]),
            }
        )
    return pl.DataFrame(records, schema=_SCHEMA)


_SCHEMA = {
    "locality_id": pl.String,
    "period": pl.String,
    "prev_period": pl.String,
    "indicator": pl.String,
    "value": pl.Float64,
    "value_prev": pl.Float64,
    "value_change": pl.Float64,
    "synthetic": pl.Boolean,
}


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMA)


def lagging(
    rows: pl.LazyFrame,
    level: str,
    indicator_id: str = "compound_coverage",
    n: int = 10,
    period: str | None = None,
    target: float | None = None,
) -> pl.DataFrame:
    """Up to `n` rows, one per locality of `level` (district or community, or city, street) in
    `period` (default: the latest in `rows`), furthest worse than `target`: the locality keys,
    period, the indicator and `<indicator>_gap` (target − value, or value − target where lower is
    better), largest gap first. Target defaults to 1.0 (full coverage) for rates.
    """
    row = indicator(indicator_id)
    if target is None:
        if row["kind"] != "rate":
            raise ValueError(f"{indicator_id} is not a rate: give a target")
        target = 1.0
    if period is None:
        period = rows.select(pl.col("period").max()).collect().item()
    scoped = rows.filter(pl.col("period") == period)
    values = at_level(scoped, level, [indicator_id])
    gap = (
        (pl.lit(target) - pl.col(indicator_id))
        if row["higher_is_better"] is not False
        else (pl.col(indicator_id) - pl.lit(target))
    )
    keys = level_keys(level)
    return (
        values.with_columns(gap.alias(f"{indicator_id}_gap"))
        .filter(pl.col(f"{indicator_id}_gap") > 0)
        .sort([f"{indicator_id}_gap", *keys], descending=[True, *([False] * len(keys))], nulls_last=True)
        .head(n)
        .select(*keys, "period", indicator_id, f"{indicator_id}_gap")
    )
