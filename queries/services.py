"""Services, problems solved, disputes mediated, reported members and units: totals and normalised."""

from __future__ import annotations

import polars as pl

from queries.base import at_level, level_keys, with_change

TOTALS: tuple[str, ...] = ("services", "problems_solved", "disputes_mediated", "reported_members", "reported_units")
INDICATORS: tuple[str, ...] = ("communities", "residents") + tuple(
    col for total in TOTALS for col in (total, f"{total}_per_community", f"{total}_per_10k")
)


def services(rows: pl.LazyFrame, level: str) -> pl.DataFrame:
    """One row per locality of `level` per period: each total, per community and per 10,000 residents."""
    return at_level(rows, level, INDICATORS)


def services_change(rows: pl.LazyFrame, level: str) -> pl.DataFrame:
    """One row per locality of `level` per period, as services(), plus for every indicator its
    value in the locality's previous period (`_prev`), the change (`_change`) and the relative
    change (`_rel_change`); the first period of a locality has null changes.
    """
    df = services(rows, level)
    return with_change(df, level_keys(level), [c for c in INDICATORS if c != "communities"] + ["communities"])
