"""Service events (one row per service delivered) counted per month and kind."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def monthly_services(events: pl.LazyFrame, kinds: Sequence[str] | None = None) -> pl.DataFrame:
    """One row per month per kind: `services` = number of service events.

    `events` has one row per service (community_code, date, kind, participants); `month` is the
    first day of the month. Counting per day first shrinks the table by orders of magnitude
    before any calendar arithmetic, so months are derived for a few thousand rows, not millions.
    """
    lf = events if kinds is None else events.filter(pl.col("kind").cast(pl.String).is_in(list(kinds)))
    per_day = lf.group_by("date", "kind").agg(pl.len().alias("services"))
    return (
        per_day.group_by(pl.col("date").dt.month_start().alias("month"), "kind")
        .agg(pl.col("services").sum().cast(pl.Int64))
        .with_columns(pl.col("kind").cast(pl.String))
        .sort("month", "kind")
        .collect()
    )
