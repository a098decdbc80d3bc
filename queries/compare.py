"""Any catalog indicator for any set of localities, long format, beside the published figures."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from queries.catalog import LANGS, indicator, load_catalog
from queries.scope import by_locality, locate_facts

PUBLISHED_NOTE: dict[str, str] = {
    "zh": "公开报道中的数字可能与名册口径不同（统计范围、时点、经费类别等），仅供对照，不宜直接比较。",
    "en": "Published figures may use different definitions from the rosters (scope, date, kinds of funds); "
    "they are shown for reference, not for direct comparison.",
}
LONG: dict[str, pl.DataType] = {
    "locality_id": pl.String(),
    "period": pl.String(),
    "indicator": pl.String(),
    "value": pl.Float64(),
}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


def published_note(lang: str = "zh") -> str:
    """The caveat to show beside published figures, in `lang` (zh or en)."""
    return PUBLISHED_NOTE[_lang(lang)]


def _long(wide: pl.DataFrame, indicators: Sequence[str], index: Sequence[str]) -> pl.DataFrame:
    wide = wide.with_columns(pl.col(list(indicators)).cast(pl.Float64))
    return wide.unpivot(on=list(indicators), index=list(index), variable_name="indicator", value_name="value")


def compare(
    rows: pl.LazyFrame,
    locality_ids: Sequence[str],
    indicators: Sequence[str],
    localities: pl.DataFrame | pl.LazyFrame,
    periods: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per locality per period per indicator (long format: locality_id, period, indicator,
    value). Localities are city or district ids (streets and communities work too); use the
    normalised catalog indicators (per community, per 10k residents, rates) to compare fairly.
    """
    for name in indicators:
        indicator(name)  # fail on an unknown id before any work
    scoped = rows if periods is None else rows.filter(pl.col("period").is_in(list(periods)))
    wide = by_locality(scoped, locality_ids, localities, indicators)
    order = {name: i for i, name in enumerate(indicators)}
    return (
        _long(wide, indicators, ["locality_id", "period"])
        .with_columns(pl.col("indicator").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort("locality_id", "period", "_order")
        .drop("_order")
    )


def definitions(indicators: Sequence[str], lang: str = "zh") -> pl.DataFrame:
    """One row per indicator, in the order given: its name, unit, definition and formula in `lang`."""
    lang = _lang(lang)
    records = []
    for name in indicators:
        row = indicator(name)
        records.append(
            {
                "indicator": name,
                "name": row[f"name_{lang}"],
                "unit": row[f"unit_{lang}"],
                "definition": row[f"definition_{lang}"],
                "formula": row["formula"],
            }
        )
    return pl.DataFrame(records, schema={c: pl.String for c in ("indicator", "name", "unit", "definition", "formula")})


def published_values(facts: pl.DataFrame | pl.LazyFrame, localities: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per published fact with a catalog indicator: fact_id, source_id, locality_id,
    period, indicator, qualifier, value in catalog units (a rate reported as 100 with unit %
    becomes 1.0)."""
    facts = facts.collect() if isinstance(facts, pl.LazyFrame) else facts
    catalog = load_catalog().select(pl.col("indicator_id").alias("indicator"), "kind")
    located = locate_facts(facts, localities).join(catalog, on="indicator", how="inner")
    percent = (pl.col("kind") == "rate") & pl.col("unit").is_in(["%", "％"])
    return located.select(
        "fact_id",
        "source_id",
        "locality_id",
        pl.col("period").cast(pl.String),
        "indicator",
        "qualifier",
        pl.when(percent).then(pl.col("value") / 100).otherwise(pl.col("value")).cast(pl.Float64).alias("value"),
        "evidence",
    ).sort("fact_id")


def beside_published(
    rows: pl.LazyFrame,
    facts: pl.DataFrame | pl.LazyFrame,
    localities: pl.DataFrame | pl.LazyFrame,
    locality_ids: Sequence[str],
    indicators: Sequence[str],
    lang: str = "zh",
) -> pl.DataFrame:
    """One row per locality per period per indicator per basis: roster values (basis `roster`,
    qualifier `exact`, `synthetic` flagged) and the published facts of the same localities and
    indicators (basis `published`, the report's qualifier, fact_id, source_id and a `note` that
    published figures may use different definitions). Values are in catalog units.
    """
    note = published_note(lang)
    wide = by_locality(rows, locality_ids, localities, indicators, synthetic=True)
    roster = _long(wide, indicators, ["locality_id", "period", "synthetic"]).with_columns(
        pl.lit("roster").alias("basis"),
        pl.lit("exact").alias("qualifier"),
        pl.lit(None, pl.String).alias("fact_id"),
        pl.lit(None, pl.String).alias("source_id"),
        pl.lit(None, pl.String).alias("note"),
    )
    published = (
        published_values(facts, localities)
        .filter(pl.col("locality_id").is_in(list(locality_ids)) & pl.col("indicator").is_in(list(indicators)))
        .with_columns(
            pl.lit("published").alias("basis"),
            pl.lit(False).alias("synthetic"),
            pl.lit(note).alias("note"),
        )
    )
    cols = [
        "locality_id",
        "period",
        "indicator",
        "basis",
        "value",
        "qualifier",
        "synthetic",
        "fact_id",
        "source_id",
        "note",
    ]
    out = pl.concat([roster.select(cols), published.select(cols)], how="vertical_relaxed")
    return out.sort("locality_id", "indicator", "period", "basis", "fact_id", nulls_last=True)
