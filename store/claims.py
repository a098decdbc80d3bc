"""python -m store reconcile: every published claim set against the stored rosters, written as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from store import read
from store.db import Database

# One row per claim, in this order; the reason's parameters and default message follow.
COLUMNS: tuple[str, ...] = (
    "fact_id", "locality", "indicator", "claim", "low", "high", "roster_value", "verdict", "reason",
    "bounds", "period", "statistic", "reason_params", "message",
)


def reconcile_table(db: Database, locality: str | None = None, period: str | None = None) -> pl.DataFrame:
    """The claims of the stored facts against the stored rosters (queries.reconcile), one row per claim.

    `locality` keeps the claims about one locality (its Chinese or English name, or its id);
    `period` sets undated claims against that roster period and keeps the claims judged on it.
    low, high and roster_value are in catalog units (rates as fractions); `claim` is the report's phrase.
    """
    from queries.reconcile import reconcile

    cur = db.reader()
    facts, rows, loc = read.facts(cur), read.community_rows(cur), read.localities(cur)
    out = reconcile(facts, rows.lazy(), loc, period=period)
    if locality is not None:
        ids = loc.filter(
            (pl.col("locality_id") == locality) | (pl.col("name_zh") == locality) | (pl.col("name_en") == locality)
        )["locality_id"].to_list()
        if not ids:  # the importer's forgiving resolution: without suffix, short forms, English names
            from store.rules import locality_index

            index = locality_index(loc)
            ids = sorted({*index.province(locality), *index.city(locality), *index.district_anywhere(locality)})
        named = facts.filter(pl.col("locality") == locality)["fact_id"].to_list()
        out = out.filter(pl.col("locality_id").is_in(ids) | pl.col("fact_id").is_in(named))
    if period is not None:
        out = out.filter(pl.col("period") == period)
    return (
        out.join(facts.select("fact_id", "locality", pl.col("evidence").alias("claim")), on="fact_id", how="left")
        .rename({"roster": "roster_value"})
        .select(COLUMNS)
        .sort("fact_id")
    )


def reconcile_cli(db: Database, args: argparse.Namespace) -> int:
    """Write the table to args.out (UTF-8 with BOM, so a spreadsheet shows Chinese); 0 written, 2 refused."""
    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        print(f"refused: {out}: the reconciliation is written as .csv", file=sys.stderr)
        return 2
    table = reconcile_table(db, args.locality, args.period)
    if args.locality is not None and table.is_empty():
        print(f"refused: no published claim about {args.locality!r}", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        table.write_csv(fh)
    counts = table["verdict"].value_counts().sort("verdict").rows()
    print(f"wrote {table.height} claims to {out}: " + ", ".join(f"{v} {n}" for v, n in counts))
    return 0
