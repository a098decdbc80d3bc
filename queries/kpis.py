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
    """One row per KPI (in KPIS order) for one locality and period (default: its latest).

    Columns: locality_id, period, prev_period (the locality's period before it, or null), indicator,
    value (over every community of `period`), value_prev (over every community of prev_period: what
    that period's card showed), synthetic, and the like-with-like comparison:

    - communities, prev_communities: how many communities each period holds;
    - matched_communities: how many are in both (same district_id and community name);
    - coverage_changed: true when the two periods do not hold the same communities;
    - value_matched, value_prev_matched: the indicator over the matched communities only;
    - value_change: value_matched − value_prev_matched (rates in fraction points), so a roster that
      shrank from 57 to 5 communities does not read as a fall in grids; null when no community is in
      both. For `communities` itself it is communities − prev_communities: the coverage change.

    Without a previous period every comparison column is null. Empty if the locality has no rows in
    `period`.
    """
    scoped = in_scope(rows, locality_id, localities)
    by_period = aggregate(scoped, ["period"], KPIS, synthetic=True)
    periods = by_period["period"].to_list()
    if period is None and periods:
        period = periods[-1]
    if period not in periods:
        return _empty()
    i = periods.index(period)
    now = by_period.row(i, named=True)
    prev = by_period.row(i - 1, named=True) if i > 0 else None
    matched_now, matched_prev, n_matched = _matched(scoped, period, prev["period"] if prev else None)
    n_now = int(now["communities"] or 0)
    n_prev = int(prev["communities"] or 0) if prev else None
    records = []
    for name in KPIS:
        value, before = now[name], (prev[name] if prev else None)
        same_now = matched_now.get(name) if matched_now else None
        same_prev = matched_prev.get(name) if matched_prev else None
        if name == "communities":
            change = None if n_prev is None else float(n_now - n_prev)
        else:
            change = None if same_now is None or same_prev is None else float(same_now) - float(same_prev)
        records.append(
            {
                "locality_id": locality_id,
                "period": period,
                "prev_period": prev["period"] if prev else None,
                "indicator": name,
                "value": _float(value),
                "value_prev": _float(before),
                "value_change": change,
                "synthetic": bool(now["synthetic"]),
                "communities": n_now,
                "prev_communities": n_prev,
                "matched_communities": n_matched,
                "coverage_changed": None if prev is None else not (n_matched == n_now == n_prev),
                "value_matched": _float(same_now),
                "value_prev_matched": _float(same_prev),
            }
        )
    return pl.DataFrame(records, schema=_SCHEMA)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _matched(scoped: pl.LazyFrame, period: str, prev_period: str | None) -> tuple[dict | None, dict | None, int | None]:
    """The KPIs of `period` and `prev_period` over the communities both hold, and how many those are."""
    if prev_period is None:
        return None, None, None
    keys = ["district_id", "community"]
    both = (
        scoped.filter(pl.col("period") == period).select(keys)
        .join(scoped.filter(pl.col("period") == prev_period).select(keys), on=keys, how="semi")
        .unique()
    )
    same = scoped.filter(pl.col("period").is_in([period, prev_period])).join(both, on=keys, how="semi")
    by_period = {r["period"]: r for r in aggregate(same, ["period"], KPIS).iter_rows(named=True)}
    n = int(both.select(pl.len()).collect().item())
    return by_period.get(period), by_period.get(prev_period), n


_SCHEMA = {
    "locality_id": pl.String,
    "period": pl.String,
    "prev_period": pl.String,
    "indicator": pl.String,
    "value": pl.Float64,
    "value_prev": pl.Float64,
    "value_change": pl.Float64,
    "synthetic": pl.Boolean,
    "communities": pl.Int64,
    "prev_communities": pl.Int64,
    "matched_communities": pl.Int64,
    "coverage_changed": pl.Boolean,
    "value_matched": pl.Float64,
    "value_prev_matched": pl.Float64,
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
    """Up to `n` rows, one row per locality of `level` (district or community, or city, street) in
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
