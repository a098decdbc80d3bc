"""The benchmark's plain pandas: the catalog formulas written as pandas, independently of queries/."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from queries.catalog import indicator, indicator_ids
from store.columns import MONEY

STATS = {"_mean": "mean", "_min": "min", "_median": "median", "_max": "max"}


def split_stat(col: str) -> tuple[str, str]:
    """(indicator, community statistic suffix) of a result column; the SQL version uses it too."""
    for suffix in STATS:
        if col.endswith(suffix) and col[: -len(suffix)] in indicator_ids():
            return col[: -len(suffix)], suffix
    return col, ""


def leaf(name: str) -> str:
    """The roster column a sum indicator adds up (catalog aliases followed to the end)."""
    row = indicator(name) if name in indicator_ids() else None
    # a sum of several parts (fund_total) is a column of its own: with_fund_total()
    if row and row["kind"] == "sum" and row["numerator"] != name and "+" not in row["numerator"]:
        return leaf(row["numerator"])
    return name


def _leaves(name: str, out: set[str]) -> None:
    row = indicator(name) if name in indicator_ids() else None
    if name in ("communities", "streets"):
        out.add(name)
    elif row is None or row["kind"] == "sum":
        out.add(leaf(name))
    else:
        _leaves(row["numerator"], out)
        _leaves(row["denominator"], out)


def with_fund_total(df: pd.DataFrame) -> pd.DataFrame:
    if "fund_total" in df.columns:
        return df
    return df.assign(fund_total=df[list(MONEY)].sum(axis=1, min_count=1))


def _ratio(num: pd.Series, den: pd.Series, scale: float | None) -> pd.Series:
    value = num / den
    if scale not in (None, 1.0):
        value = value * scale
    return value.where(den != 0)


def row_value(df: pd.DataFrame, name: str) -> pd.Series:
    """A catalog indicator for each community row."""
    if name == "communities":
        return pd.Series(1, index=df.index, dtype="int64")
    if name == "streets":
        return df["street"].notna().astype("int64")
    row = indicator(name) if name in indicator_ids() else None
    if row is None or row["kind"] == "sum":
        return df[leaf(name)]
    return _ratio(row_value(df, row["numerator"]), row_value(df, row["denominator"]), row["scale"])


def _from_totals(totals: pd.DataFrame, name: str) -> pd.Series:
    row = indicator(name) if name in indicator_ids() else None
    if name in ("communities", "streets") or row is None or row["kind"] == "sum":
        return totals[name if name in ("communities", "streets") else leaf(name)]
    return _ratio(_from_totals(totals, row["numerator"]), _from_totals(totals, row["denominator"]), row["scale"])


def aggregate(df: pd.DataFrame, by: Sequence[str], indicators: Sequence[str], synthetic: bool = False) -> pd.DataFrame:
    """One row per distinct `by`: the catalog indicators (pooled; `_mean` etc. over community values)."""
    by = list(by)
    if any(leaf(split_stat(c)[0]) == "fund_total" or "fund" in c for c in indicators):
        df = with_fund_total(df)
    leaves: set[str] = set()
    stats: dict[str, tuple[str, str]] = {}
    for col in indicators:
        base, suffix = split_stat(col)
        if suffix:
            stats[col] = (base, STATS[suffix])
        else:
            _leaves(base, leaves)
    work = df[by].copy()
    sums = sorted(leaves - {"communities", "streets"})
    for c in sums:
        work[c] = df[c]
    for col, (base, _) in stats.items():
        work["_row_" + col] = row_value(df, base)
    if "streets" in leaves:
        work["_street"] = df["district_id"] + "/" + df["street"]
    g = work.groupby(by, dropna=False, sort=False, observed=True)
    parts = []
    if sums:
        parts.append(g[sums].sum(min_count=1))
    if "communities" in leaves or not parts:
        parts.append(g.size().rename("communities"))
    if "streets" in leaves:
        parts.append(g["_street"].nunique().rename("streets"))
    if stats:
        parts.append(g.agg(**{col: ("_row_" + col, func) for col, (_, func) in stats.items()}))
    if synthetic:
        parts.append(
            df.groupby([df[b] for b in by], dropna=False, sort=False, observed=True)["synthetic"]
            .any()
            .rename("synthetic")
        )
    totals = pd.concat(parts, axis=1)
    out = pd.DataFrame(index=totals.index)
    for col in indicators:
        out[col] = totals[col] if col in stats else _from_totals(totals, col)
    if synthetic:
        out["synthetic"] = totals["synthetic"]
    return out.reset_index().sort_values(by, na_position="last", kind="stable").reset_index(drop=True)


def community(df: pd.DataFrame, keys: Sequence[str], indicators: Sequence[str]) -> pd.DataFrame:
    """One row per community row: keys and each indicator of that community alone."""
    if any("fund" in c for c in indicators):
        df = with_fund_total(df)
    out = df[list(keys)].copy()
    for col in indicators:
        out[col] = row_value(df, col)
    return out.sort_values(list(keys), na_position="last", kind="stable").reset_index(drop=True)


def half_unit(value: pd.Series, percent: pd.Series) -> pd.Series:
    """Half the rounding unit of a stated number (see queries.reconcile)."""
    v = value.to_numpy(dtype="float64")
    decimals = np.full(len(v), -1)
    for d in range(6, -1, -1):
        s = v * 10**d
        decimals = np.where(np.abs(s - np.round(s)) < 1e-6, d, decimals)
    trailing = np.zeros(len(v), dtype=int)
    for k in range(1, 13):
        trailing = np.where((v != 0) & (np.abs(np.fmod(v, 10.0**k)) < 1e-6), k, trailing)
    pct = percent.to_numpy(dtype=bool)
    unit = np.where(
        decimals < 0,
        1e-6,
        np.where(
            decimals > 0,
            10.0 ** (-np.maximum(decimals, 0).astype(float)),
            np.where(pct, 1.0, 10.0 ** trailing.astype(float)),
        ),
    )
    return pd.Series(unit / 2, index=value.index)
