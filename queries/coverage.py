"""Party-organisation coverage of compounds, grids and property companies, pooled and per community."""

from __future__ import annotations

import polars as pl

from queries.base import at_level, community_values
from queries.catalog import indicator, roster_indicator_ids

# The coverage rates are the catalog's rates of category coverage (compound, grid, property company), in
# catalog order; their parts are each rate's whole and the part of it with a party organisation.
RATES: tuple[str, ...] = tuple(
    i for i in roster_indicator_ids() if indicator(i)["category"] == "coverage" and indicator(i)["kind"] == "rate"
)
PARTS: tuple[str, ...] = tuple(p for r in RATES for p in (indicator(r)["denominator"], indicator(r)["numerator"]))


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
