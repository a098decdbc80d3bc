"""Published facts that disagree: same locality, measure and period, from different sources, with ranges that cannot both hold."""

from __future__ import annotations

import polars as pl

from queries.reconcile import with_intervals

_KEY = ("locality", "locality_level", "parent", "_topic", "period", "_per", "_period_kind")


def conflicts(facts: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per fact that belongs to a conflict group (numbered by `conflict_id`): facts of the
    same locality (name, level, parent), indicator (or, without one, subject), period (a missing
    period matches a missing period), denominator and period kind (`per`, `period_kind` when the
    facts have them: a year's figure and a cumulative one do not disagree), from more than one
    source, whose intervals (low, high, bounds: what each wording implies) have no value in common.
    610多 and 613 agree; 201 and 543 do not. Both sides are kept, each with its source, value in the
    report's unit, and evidence.
    """
    df = facts.collect() if isinstance(facts, pl.LazyFrame) else facts
    df = with_intervals(df)
    lf = df.lazy().with_columns(
        (pl.col("per") if "per" in df.columns else pl.lit(None, pl.String)).fill_null("").alias("_per"),
        (pl.col("period_kind") if "period_kind" in df.columns else pl.lit(None, pl.String)).alias("_period_kind"),
        # a fact that names neither an indicator nor a subject cannot be said to disagree with anything
        pl.coalesce("indicator", "subject").alias("_topic"),
    ).filter(pl.col("_topic").is_not_null())
    key = list(_KEY)
    low = pl.col("low").fill_null(float("-inf"))
    high = pl.col("high").fill_null(float("inf"))
    lf = lf.with_columns(low.max().over(key).alias("_lo"), high.min().over(key).alias("_hi"))
    # the ranges share a value unless the highest floor lies above the lowest ceiling, or meets it at an open end
    touching_open = ((low == pl.col("_lo")) & pl.col("bounds").str.starts_with("(")) | (
        (high == pl.col("_hi")) & pl.col("bounds").str.ends_with(")")
    )
    groups = (
        lf.group_by(key)
        .agg(
            pl.col("_lo").first(),
            pl.col("_hi").first(),
            touching_open.any().alias("_open"),
            pl.col("value").n_unique().alias("_values"),
            pl.col("source_id").n_unique().alias("_sources"),
        )
        .filter(
            (pl.col("_sources") > 1)
            & (pl.col("_values") > 1)
            & ((pl.col("_lo") > pl.col("_hi")) | ((pl.col("_lo") == pl.col("_hi")) & pl.col("_open")))
        )
        .sort(key, nulls_last=True)
        .with_row_index("conflict_id", offset=1)
        .with_columns(pl.col("conflict_id").cast(pl.Int64))
        .select("conflict_id", *key)
    )
    return (
        lf.join(groups, on=key, how="inner", nulls_equal=True)
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
