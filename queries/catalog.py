"""The indicator catalog and the vocabulary of query result columns."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import polars as pl

CATALOG_PATH = Path(__file__).resolve().parents[1] / "data" / "indicators.csv"

# Every column a query may return that is not an indicator. Documented here, once, so that
# tests/test_catalog.py can hold every query to it (a column nobody documented is a bug).
DIMENSION_DOCS: dict[str, str] = {
    # keys of the community rows
    "city_id": "city adcode",
    "district_id": "county-level adcode (district, county, county-level city)",
    "street": "street (街道) or town name",
    "community": "community (社区) name",
    "community_code": "12-digit statistical code of the community",
    "lon": "longitude of the community (GCJ-02, as imported; null if not given)",
    "lat": "latitude of the community (GCJ-02, as imported; null if not given)",
    "period": "reporting period of the roster",
    "prev_period": "the locality's period before `period` in the rosters (null if none)",
    "synthetic": "true if any roster row behind the value is synthetic sample data",
    # like-with-like comparison of two periods (queries/kpis.py)
    "prev_communities": "how many communities the previous period holds (null if none)",
    "matched_communities": "how many communities both periods hold (same district_id and community)",
    "coverage_changed": "true when the period and the previous one do not hold the same communities",
    "value_matched": "the value over the communities both periods hold",
    "value_prev_matched": "the previous period's value over the communities both periods hold",
    # localities
    "level": "locality level: country, province, city, district, street, community",
    "locality_id": "id from the localities table",
    "parent_id": "locality_id of the parent",
    "name": "display name in the requested language",
    # long format (one row per indicator value)
    "indicator": "a catalog indicator_id",
    "value": "the indicator's value in catalog units (rates as fractions 0..1)",
    "unit": "unit in the requested language",
    "definition": "definition in the requested language",
    "formula": "the catalog formula",
    # published facts beside roster values
    "basis": "published (a report's figure) or roster (computed from imported rows)",
    "qualifier": "exact, more_than, at_least, about, up_to",
    "fact_id": "id of the published fact",
    "source_id": "id of the source report",
    "fact_ids": "ids of the published facts behind a figure (several reports, or the parts of a total)",
    "source_ids": "ids of the source reports behind a figure",
    "parts": "the published parts a total was added up from (null: the total was published itself)",
    "evidence": "the report's phrase behind the fact",
    "note": "caveat text in the requested language",
    # reconciliation and conflicts
    "statistic": "which roster figure a claim is set against: pooled, min or max over communities",
    "claimed": "the published value converted to catalog units",
    "roster": "what the roster adds up to for the same locality, period and indicator",
    "gap": "roster minus claimed",
    "verdict": "consistent, contradicted, not_comparable, no_data",
    "low": "lower end of the interval a figure's wording implies, in catalog units (null = unbounded)",
    "high": "upper end of the interval a figure's wording implies, in catalog units (null = unbounded)",
    "bounds": "which ends of [low, high] are closed: '[]', '[)', '(]' or '()' (an unbounded end is open)",
    "per": "denominator of a figure: year, quarter, month, community, street, compound, grid, person, or empty",
    "period_kind": "period a figure covers: point, annual, cumulative, unknown",
    "since": "start of a cumulative period: a year, or -N = N years before the report's own year",
    "counts": "unit kind a figure or indicator counts (persons, person_times, party_orgs, compounds, yuan, ...)",
    "reason": "code of why a claim got its verdict (in_interval, below_interval, period_kind_differs, ...)",
    "reason_params": "JSON object of the values the reason code refers to",
    "message": "plain English default text of the reason (pages render their own from reason and reason_params)",
    "theme": "category of a published figure: its indicator's category, or a theme for figures without one",
    "subject_zh": "what a fact counts, in Chinese",
    "conflict_id": "number of a group of published facts that disagree",
    "locality": "locality name as a report gives it",
    "locality_level": "kind of the locality as a report gives it (store.levels kinds: county_level_city, county, district ...)",
    "parent": "parent locality name as a report gives it",
    "subject": "what a fact counts, in the report's words",
    "title": "title of the source document",
    "category": "catalog category of the fact's indicator (coverage, services, funding, workforce, base), or other",
    # events
    "month": "first day of a calendar month",
    "kind": "kind of service event",
}
DIMENSIONS: frozenset[str] = frozenset(DIMENSION_DOCS)

# Suffixes turn an indicator (or the long-format `value`) into a related figure. The statistics
# over communities exist because a pooled rate and the typical community's rate differ.
SUFFIX_DOCS: dict[str, str] = {
    "_mean": "unweighted mean over communities of each community's value (e.g. mean of community rates)",
    "_min": "minimum over communities of each community's value",
    "_median": "median over communities of each community's value",
    "_max": "maximum over communities of each community's value",
    "_prev": "value in the previous period (prev_period)",
    "_change": "value minus the previous period's value (for rates: in fraction points)",
    "_rel_change": "change divided by the previous value; null for rates or when the previous value is 0 or null",
    "_gap": "shortfall from a target: positive means worse than the target",
}
SUFFIXES: tuple[str, ...] = tuple(SUFFIX_DOCS)
# Suffixes computed over the communities of a group, as opposed to across periods.
COMMUNITY_STATS: tuple[str, ...] = ("_mean", "_min", "_median", "_max")

LANGS = ("zh", "en")

# How an indicator's value above one community (a street, district, city ...) is made from the
# community rows: the catalog column `aggregation`, OWID's `description_processing` as data. The
# aggregator (queries/base.py) reads it; nothing else decides how a figure adds up.
AGGREGATION_DOCS: dict[str, str] = {
    "count": "number of community rows (numerator: community)",
    "count_distinct": "number of distinct values of the numerator column within each district (street names repeat)",
    "sum": "sum over communities of the numerator; a numerator a+b+c is added up per community first "
    "(null when every part is null); the sum of values all missing is null",
    "pooled_ratio": "sum(numerator) / sum(denominator) * scale over the group's communities: a large community "
    "weighs more; null when the denominator is 0 or missing",
    "mean_of_communities": "unweighted mean over communities of each community's numerator / denominator * scale",
    "none": "stated only by published reports: never computed from community rows",
}
AGGREGATIONS: tuple[str, ...] = tuple(AGGREGATION_DOCS)
PART_SEP = "+"  # a numerator that adds several columns per community: fund_service+fund_work+...
CATEGORIES_PATH = CATALOG_PATH.with_name("categories.csv")


@lru_cache(maxsize=4)
def _load(path: str) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False, encoding="utf8")
    unknown = sorted(set(df["aggregation"].to_list()) - set(AGGREGATIONS))
    if unknown:
        raise ValueError(f"{path}: unknown aggregation(s) {unknown}; expected one of {AGGREGATIONS}")
    return df.with_columns(
        pl.col("scale").cast(pl.Float64),
        (pl.col("higher_is_better").str.to_lowercase() == "true").alias("higher_is_better"),
    )


def load_catalog(path: str | Path | None = None) -> pl.DataFrame:
    """One row per catalog indicator, in file order (scale as float, higher_is_better as bool)."""
    return _load(str(path or CATALOG_PATH))


@cache
def _by_id() -> dict[str, dict]:
    return {row["indicator_id"]: row for row in load_catalog().iter_rows(named=True)}


@cache
def indicator_ids() -> tuple[str, ...]:
    """Every catalog indicator_id, in catalog order."""
    return tuple(_by_id())


# Kind of an indicator that only published reports state: no roster column measures it, so it is
# compared between reports (compare page) but never computed from community rows.
PUBLISHED = "published"
# What an indicator counts, per what, over which period (catalog columns counts, per, period_kind):
# reconciliation sets a published figure against the roster only when all three agree.
MEASURE_COLUMNS: tuple[str, ...] = ("counts", "per", "period_kind")


@cache
def roster_indicator_ids() -> tuple[str, ...]:
    """Catalog indicators a roster can compute (every aggregation but `none`), in catalog order."""
    return tuple(i for i, row in _by_id().items() if row["aggregation"] != "none")


@cache
def published_indicator_ids() -> tuple[str, ...]:
    """Catalog indicators only published reports state (aggregation `none`), in catalog order."""
    return tuple(i for i, row in _by_id().items() if row["aggregation"] == "none")


def aggregation(indicator_id: str) -> str:
    """How an indicator aggregates above the community: one of AGGREGATIONS."""
    return indicator(indicator_id)["aggregation"]


def parts(indicator_id: str) -> tuple[str, ...]:
    """What a `sum` adds up in each community: (fund_service, fund_work, fund_party, fund_other) for
    fund_total, (residents,) for residents; () for every other aggregation."""
    row = indicator(indicator_id)
    if row["aggregation"] != "sum":
        return ()
    return tuple(p.strip() for p in row["numerator"].split(PART_SEP))


@cache
def total_parts() -> dict[str, tuple[str, ...]]:
    """Totals of several parts, each with its parts in catalog order: fund_total's kinds of funds, and
    every pooled ratio of such a total whose parts have the same ratio (fund_total_per_community ->
    fund_service_per_community, ...). A report may publish only the parts (published(parts=True))."""
    out = {i: parts(i) for i in _by_id() if len(parts(i)) > 1}
    ratios = {
        (row["numerator"], row["denominator"], row["scale"]): i
        for i, row in _by_id().items() if row["aggregation"] == "pooled_ratio"
    }
    for i, row in _by_id().items():
        if row["aggregation"] != "pooled_ratio" or row["numerator"] not in out:
            continue
        same = [ratios.get((p, row["denominator"], row["scale"])) for p in out[row["numerator"]]]
        if all(same):
            out[i] = tuple(same)  # type: ignore[arg-type]
    return out


@cache
def categories() -> tuple[str, ...]:
    """The catalog's categories in the order a reader scans them (data/categories.csv's order)."""
    return tuple(pl.read_csv(CATEGORIES_PATH, infer_schema=False)["category"].to_list())


def measure(indicator_id: str) -> tuple[str, str, str]:
    """(counts, per, period_kind) of an indicator: the unit kind it counts, its denominator ('' for
    none) and the period it measures ('' when any: a published-only indicator gathers figures of any period)."""
    row = indicator(indicator_id)
    return tuple(row.get(c) or "" for c in MEASURE_COLUMNS)  # type: ignore[return-value]


def is_indicator(name: str) -> bool:
    """True if `name` is a catalog indicator_id."""
    return name in _by_id()


def indicator(indicator_id: str) -> dict:
    """The catalog row of one indicator as a dict; KeyError names the unknown id."""
    try:
        return dict(_by_id()[indicator_id])
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; see data/indicators.csv") from None


def split_suffix(column: str) -> tuple[str, str]:
    """(base, suffix) for a result column: ('compound_coverage', '_mean'); suffix '' if none."""
    ids = _by_id()
    if column in ids or column in DIMENSIONS:
        return column, ""
    # longest suffix first, so `_rel_change` is not read as `_change`
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if column.endswith(suffix):
            base = column[: -len(suffix)]
            if base in ids or base == "value":
                return base, suffix
    raise KeyError(column)


def is_documented(column: str) -> bool:
    """True if a result column is a dimension, a catalog indicator, or either with a documented suffix."""
    try:
        split_suffix(column)
    except KeyError:
        return False
    return True


def check_columns(df: pl.DataFrame | pl.LazyFrame) -> None:
    """Raise ValueError naming every column that is not documented (see DIMENSION_DOCS, SUFFIX_DOCS)."""
    names = df.collect_schema().names() if isinstance(df, pl.LazyFrame) else df.columns
    bad = [c for c in names if not is_documented(c)]
    if bad:
        raise ValueError(f"undocumented result columns: {bad}")
