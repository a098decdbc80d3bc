"""Party-organisation coverage of compounds, grids and property companies, pooled and per community."""

from __future__ import annotations

import polars as pl

from queries.base import at_level, community_values

RATES: tuple[str, ...] = ("compound_coverage", "grid_coverage", "property_coverage")
PARTS: tuple[str, ...] = (
    "compounds",
    "compounds_with_party_org",
    "grids",
    "grids_with_party_org",
    "property_companies",
    "property_companies_with_party_org",
)


def coverage(rows: pl.LazyFrame, level: str) -> pl.DataFrame:
    """One row per locality of `level` (city, district, street, community) per period.

    Each rate comes twice, because they differ and pages must say which they show: the pooled
    rate (`compound_coverage` = Σ compounds with a party organisation / Σ compounds) and the
    mean of community rates (`compound_coverage_mean`, every community weighing the same). At
    community level the two coincide and only the rate is returned.
    """
    cols = ["communities", *PARTS]
    for rate in RATES:
        cols += [rate, f"{rate}_mean"]
    return at_level(rows, level, cols)


def below_threshold(
    rows: pl.LazyFrame, indicator: str = "compound_coverage", threshold: float = 1.0, period: str | None = None
) -> pl.DataFrame:
    """One row per community per period whose own value of `indicator` is below `threshold`,
    lowest first (communities with no data are not listed: they are not below anything).
    """
    scoped = rows if period is None else rows.filter(pl.col("period") == period)
    values = community_values(scoped, [indicator])
    return values.filter(pl.col(indicator) < threshold).sort(
        [indicator, "city_id", "district_id", "street", "community", "period"], nulls_last=True
    )
