"""Community funds per year: by kind and in total, per community, per resident, and their spread."""

from __future__ import annotations

import polars as pl

from queries.base import at_level, community_values
from queries.catalog import parts, total_parts

TOTAL = "fund_total"
# The kinds of funds are the parts the catalog adds up into fund_total, then the total itself.
KINDS: tuple[str, ...] = (*parts(TOTAL), TOTAL)
PER_COMMUNITY: tuple[str, ...] = (*total_parts()[f"{TOTAL}_per_community"], f"{TOTAL}_per_community")
STATS: tuple[str, ...] = ("_min", "_median", "_max")


def funding(rows: pl.LazyFrame, level: str) -> pl.DataFrame:
    """One row per locality of `level` per period: funds by kind and in total (yuan/year), the
    same per community, and total funds per resident."""
    return at_level(rows, level, ["communities", "residents", *KINDS, *PER_COMMUNITY, "fund_per_resident"])


def community_funding(rows: pl.LazyFrame) -> pl.DataFrame:
    """One row per community per period: its funds by kind, in total, and per resident."""
    return community_values(rows, [*KINDS, "fund_per_resident"])


def funding_spread(rows: pl.LazyFrame, level: str) -> pl.DataFrame:
    """One row per locality of `level` (city, district, street) per period: the minimum, median
    and maximum over its communities of each kind of funds per community, since reports promise
    floors per community (不少于10万元) that an average would hide."""
    if level == "community":
        raise ValueError("a spread needs several communities: use city, district or street")
    return at_level(rows, level, ["communities", *(f"{c}{s}" for c in PER_COMMUNITY for s in STATS)])
