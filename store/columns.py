"""The canonical community-dataset columns: one definition shared by schema, importer and export."""

from __future__ import annotations

import polars as pl

# Order is the export order. Counts are whole numbers; money is yuan per year.
IDENTITY: dict[str, pl.DataType] = {
    "city": pl.String(),
    "district": pl.String(),
    "street": pl.String(),
    "community": pl.String(),
    "community_code": pl.String(),
    "period": pl.String(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
}
COUNTS: tuple[str, ...] = (
    "residents",
    "households",
    "compounds",
    "compounds_with_party_org",
    "grids",
    "grids_with_party_org",
    "property_companies",
    "property_companies_with_party_org",
    "party_members",
    "reported_members",
    "reported_units",
    "services",
    "problems_solved",
    "disputes_mediated",
    "volunteers",
    "workers",
)
AREAS: tuple[str, ...] = ("service_center_area_m2",)
MONEY: tuple[str, ...] = ("fund_service", "fund_work", "fund_party", "fund_other")

CANONICAL: dict[str, pl.DataType] = {
    **IDENTITY,
    **{c: pl.Int64() for c in COUNTS},
    **{c: pl.Float64() for c in AREAS},
    **{c: pl.Float64() for c in MONEY},
}
REQUIRED: tuple[str, ...] = ("city", "district", "community", "period")
NUMERIC: tuple[str, ...] = COUNTS + AREAS + MONEY

# Parts that can never exceed their whole.
PART_OF: dict[str, str] = {
    "compounds_with_party_org": "compounds",
    "grids_with_party_org": "grids",
    "property_companies_with_party_org": "property_companies",
}

_SQL = {pl.String(): "VARCHAR", pl.Float64(): "DOUBLE", pl.Int64(): "BIGINT"}


def sql_columns() -> str:
    """Column definitions for the community_rows table, in canonical order."""
    return ",\n    ".join(f"{name} {_SQL[dtype]}" for name, dtype in CANONICAL.items())
