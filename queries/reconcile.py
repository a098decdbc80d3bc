"""Published claims set against what the imported rosters of the same locality and period add up to."""

from __future__ import annotations

import polars as pl

from queries.catalog import load_catalog
from queries.compare import published_values
from queries.scope import by_locality

# How far an `about` or `more_than` claim may sit from the roster and still count as rounding.
TOLERANCE = 0.05
VERDICTS: tuple[str, ...] = ("consistent", "within_rounding", "contradicted", "no_data")
_PERCENT = ("%", "％")


def _half_unit(value: pl.Expr, percent: pl.Expr) -> pl.Expr:
    """Half the rounding unit of a stated number, in the report's unit: 613 → 0.5, 2800 → 50,
    18万 (180000) → 5000, 99.5 → 0.05; percentages without decimals are rounded to 1 point."""
    decimals = pl.lit(None, pl.Int32)
    for d in range(6, -1, -1):
        scaled = value * 10**d
        decimals = pl.when((scaled - scaled.round(0)).abs() < 1e-6).then(pl.lit(d, pl.Int32)).otherwise(decimals)
    trailing = pl.lit(0, pl.Int32)
    for k in range(1, 13):
        trailing = pl.when((value != 0) & ((value % 10**k).abs() < 1e-6)).then(pl.lit(k, pl.Int32)).otherwise(trailing)
    unit = (
        pl.when(decimals.is_null())
        .then(pl.lit(1e-6))
        .when(decimals > 0)
        .then(pl.lit(10.0).pow(-decimals.cast(pl.Float64)))
        .when(percent)
        .then(pl.lit(1.0))
        .otherwise(pl.lit(10.0).pow(trailing.cast(pl.Float64)))
    )
    return unit / 2


def _verdict() -> pl.Expr:
    gap, tol, q = pl.col("gap"), pl.col("tolerance"), pl.col("qualifier")
    # eps absorbs float noise, e.g. 1 − 199/200 is a hair above the 0.005 that 100 % allows
    eps = pl.max_horizontal(pl.lit(1.0), pl.col("claimed").abs()) * 1e-9
    near = (
        pl.when(gap.abs() <= eps)
        .then(pl.lit("consistent"))
        .when(gap.abs() <= tol + eps)
        .then(pl.lit("within_rounding"))
    )
    return (
        pl.when(pl.col("roster").is_null() | pl.col("claimed").is_null())
        .then(pl.lit("no_data"))
        .when(q == "at_least")
        .then(pl.when(gap >= -eps).then(pl.lit("consistent")).otherwise(pl.lit("contradicted")))
        .when(q == "up_to")
        .then(pl.when(gap <= eps).then(pl.lit("consistent")).otherwise(pl.lit("contradicted")))
        .when(q == "more_than")
        .then(
            pl.when(gap > eps)
            .then(pl.lit("consistent"))
            .when(gap >= -tol - eps)
            .then(pl.lit("within_rounding"))
            .otherwise(pl.lit("contradicted"))
        )
        .otherwise(near.otherwise(pl.lit("contradicted")))
        .alias("verdict")
    )


def reconcile(
    facts: pl.DataFrame | pl.LazyFrame, rows: pl.LazyFrame, localities: pl.DataFrame | pl.LazyFrame
) -> pl.DataFrame:
    """One row per published fact with a catalog indicator, set against the roster.

    The roster side is the locality's rows in the fact's period (or, for a fact without one, the
    locality's latest period), aggregated with the catalog formula (`statistic` pooled) — except a
    per-community floor (at_least, more_than) is set against the lowest community (`min`) and a per-community
    ceiling (up_to) against the highest (`max`). Claims are in catalog units (100 % → 1.0).
    Verdicts: exact/about within `tolerance` (rounding of the stated number, or 5 %) →
    within_rounding; more_than must exceed; at_least/up_to are bounds with no tolerance; no roster
    value or unknown locality → no_data. Columns: fact_id, source_id, locality_id, period,
    indicator, qualifier, statistic, claimed, roster, gap (roster − claimed), tolerance, verdict,
    synthetic.
    """
    facts = facts.collect() if isinstance(facts, pl.LazyFrame) else facts
    catalog = load_catalog().select(pl.col("indicator_id").alias("indicator"), "kind", "denominator")
    raw = facts.select("fact_id", pl.col("value").cast(pl.Float64).alias("_raw"), "unit")
    per_community = pl.col("denominator") == "communities"
    claims = (
        published_values(facts, localities)
        .join(raw, on="fact_id", how="left")
        .join(catalog, on="indicator", how="left")
        .with_columns(
            # "不少于/以上 per community" promises every community clears the floor, so the lowest one is what counts
            pl.when(per_community & pl.col("qualifier").is_in(["at_least", "more_than"]))
            .then(pl.lit("min"))
            .when(per_community & (pl.col("qualifier") == "up_to"))
            .then(pl.lit("max"))
            .otherwise(pl.lit("pooled"))
            .alias("statistic"),
            ((pl.col("kind") == "rate") & pl.col("unit").is_in(_PERCENT)).alias("_percent"),
        )
        .rename({"value": "claimed"})
    )
    claims = claims.with_columns(
        pl.when(pl.col("statistic") == "pooled")
        .then(pl.col("indicator"))
        .otherwise(pl.col("indicator") + "_" + pl.col("statistic"))
        .alias("_column")
    )
    ids = sorted(set(claims["locality_id"].drop_nulls().to_list()))
    columns = sorted(set(claims["_column"].to_list()))
    if ids and columns:
        wide = by_locality(rows, ids, localities, columns, synthetic=True)
        latest = wide.group_by("locality_id").agg(pl.col("period").max().alias("_latest"))
        roster = wide.with_columns(pl.col(columns).cast(pl.Float64)).unpivot(
            on=columns, index=["locality_id", "period", "synthetic"], variable_name="_column", value_name="roster"
        )
    else:
        latest = pl.DataFrame(schema={"locality_id": pl.String, "_latest": pl.String})
        roster = pl.DataFrame(
            schema={
                "locality_id": pl.String,
                "period": pl.String,
                "synthetic": pl.Boolean,
                "_column": pl.String,
                "roster": pl.Float64,
            }
        )
    percent_factor = pl.when(pl.col("_percent")).then(pl.lit(0.01)).otherwise(pl.lit(1.0))
    out = (
        claims.join(latest, on="locality_id", how="left")
        .with_columns(pl.coalesce("period", "_latest").alias("period"))
        .join(roster, on=["locality_id", "period", "_column"], how="left")
        .with_columns(
            (pl.col("roster") - pl.col("claimed")).alias("gap"),
            pl.when(pl.col("qualifier") == "exact")
            .then(_half_unit(pl.col("_raw"), pl.col("_percent")) * percent_factor)
            .when(pl.col("qualifier").is_in(["about", "more_than"]))
            .then(pl.col("claimed").abs() * TOLERANCE)
            .otherwise(pl.lit(0.0))
            .alias("tolerance"),
        )
        .with_columns(_verdict())
    )
    return out.select(
        "fact_id",
        "source_id",
        "locality_id",
        "period",
        "indicator",
        "qualifier",
        "statistic",
        "claimed",
        "roster",
        "gap",
        "tolerance",
        "verdict",
        "synthetic",
    ).sort("fact_id")
