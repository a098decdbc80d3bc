"""Published facts with their source documents: the sources page's table and its filters."""

from __future__ import annotations

import polars as pl

from queries.catalog import load_catalog
from queries.scope import locate_facts

OTHER = "other"  # category of a fact that names no catalog indicator


def _frame(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return df.collect() if isinstance(df, pl.LazyFrame) else df


# What a fact's wording implies (data/sources/facts.csv), passed through for the pages to show.
WORDING_COLUMNS: tuple[str, ...] = (
    "low", "high", "bounds", "per", "period_kind", "since", "counts", "theme", "subject_zh",
)


def facts_table(
    facts: pl.DataFrame | pl.LazyFrame,
    sources: pl.DataFrame | pl.LazyFrame,
    localities: pl.DataFrame | pl.LazyFrame,
    *,
    locality_id: str | None = None,
    category: str | None = None,
    indicator: str | None = None,
) -> pl.DataFrame:
    """One row per published fact (every fact, with or without a catalog indicator): fact_id,
    source_id, title (of the source document), locality_id (null when the fact's locality is not
    in the localities table), locality, locality_level, indicator, category (the indicator's
    catalog category, or `other` when the fact names no indicator), subject, value and unit as
    the report gives them, qualifier, period, evidence, and what the wording implies: low, high,
    bounds (figures/wording.py), per, period_kind, since, counts, theme and subject_zh (null where
    the facts frame lacks them). Sorted by fact_id.

    The keyword filters keep one locality (by locality_id), one category or one indicator;
    None keeps all.
    """
    catalog = load_catalog().select(pl.col("indicator_id").alias("indicator"), "category")
    titles = _frame(sources).select("source_id", "title")
    facts = _frame(facts)
    types = {"low": pl.Float64, "high": pl.Float64}
    facts = facts.with_columns(
        pl.lit(None, types.get(c, pl.String)).alias(c) for c in WORDING_COLUMNS if c not in facts.columns
    ).with_columns(pl.col("low").cast(pl.Float64), pl.col("high").cast(pl.Float64))
    out = (
        locate_facts(facts, localities)
        .join(catalog, on="indicator", how="left")
        .join(titles, on="source_id", how="left")
        .with_columns(
            pl.when(pl.col("indicator").is_null())
            .then(pl.lit(OTHER))
            .otherwise(pl.col("category"))
            .alias("category"),
            pl.col("value").cast(pl.Float64),
        )
    )
    if locality_id is not None:
        out = out.filter(pl.col("locality_id") == locality_id)
    if category is not None:
        out = out.filter(pl.col("category") == category)
    if indicator is not None:
        out = out.filter(pl.col("indicator") == indicator)
    return out.select(
        "fact_id",
        "source_id",
        "title",
        "locality_id",
        "locality",
        "locality_level",
        "indicator",
        "category",
        "subject",
        "value",
        "unit",
        "qualifier",
        "period",
        "evidence",
        *WORDING_COLUMNS,
    ).sort("fact_id")
