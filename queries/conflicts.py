"""Published facts that disagree: same locality, indicator and period, different values from different sources."""

from __future__ import annotations

import polars as pl

_KEY = ("locality", "locality_level", "parent", "_topic", "period")


def conflicts(facts: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per fact that belongs to a conflict group (numbered by `conflict_id`): facts of the
    same locality (name, level, parent), indicator (or, without one, subject) and period (a
    missing period matches a missing period) whose values differ and come from more than one
    source. Both sides are kept, each with its source, value in the report's unit, and evidence.
    """
    lf = facts.lazy() if isinstance(facts, pl.DataFrame) else facts
    # a fact that names neither an indicator nor a subject cannot be said to disagree with anything
    lf = lf.with_columns(pl.coalesce("indicator", "subject").alias("_topic")).filter(pl.col("_topic").is_not_null())
    groups = (
        lf.group_by(list(_KEY))
        .agg(pl.col("value").n_unique().alias("_values"), pl.col("source_id").n_unique().alias("_sources"))
        .filter((pl.col("_values") > 1) & (pl.col("_sources") > 1))
        .sort(list(_KEY), nulls_last=True)
        .with_row_index("conflict_id", offset=1)
        .with_columns(pl.col("conflict_id").cast(pl.Int64))
        .select("conflict_id", *_KEY)
    )
    return (
        lf.join(groups, on=list(_KEY), how="inner", nulls_equal=True)
        .select(
            "conflict_id",
            "locality",
            "locality_level",
            "parent",
            "indicator",
            "subject",
            "period",
            "fact_id",
            "source_id",
            pl.col("value").cast(pl.Float64),
            "unit",
            "qualifier",
            "evidence",
        )
        .sort("conflict_id", "value", "fact_id")
        .collect()
    )
