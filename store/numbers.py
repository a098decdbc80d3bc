"""Chinese number and period notation: `1.2万`, `１２３`, `1,234`, `500元`, missing markers, `2024年` -> values."""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import polars as pl

MAPPINGS_DIR = Path(__file__).resolve().parents[1] / "data" / "mappings"

# Trailing units a cell may carry (after NFKC, so ㎡ is already "m2"). Longest first.
UNITS = ("平方米", "平米", "万元", "亿元", "元", "个", "人", "户", "名", "件", "次", "项", "处", "m2", "㎡")
_UNIT_RE = "(?:" + "|".join(re.escape(u) for u in UNITS if u not in ("万元", "亿元")) + ")$"
MULTIPLIERS = {"万": 10_000.0, "亿": 100_000_000.0}
_PLAIN_RE = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_THOUSANDS_RE = r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$"
_DEFAULT_MISSING = ("", "空", "—", "——", "--", "-", "暂无", "无数据", "/", "N/A", "n/a", "#N/A", "NA", "null", "NULL")


@lru_cache(maxsize=1)
def missing_markers() -> tuple[str, ...]:
    """Cell texts that mean "no data" (data/mappings/missing_markers.csv), compared after NFKC and strip."""
    path = MAPPINGS_DIR / "missing_markers.csv"
    if not path.exists():
        return _DEFAULT_MISSING
    with path.open(encoding="utf-8", newline="") as fh:
        markers = {normalise_text(row["marker"]) or "" for row in csv.DictReader(fh)}
    return tuple(sorted(markers | {""}))


def normalise_text(value: str | None) -> str | None:
    """Full-width to half-width (NFKC) and strip spaces, the scalar twin of `normalised_expr`."""
    if value is None:
        return None
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalised_expr(expr: pl.Expr) -> pl.Expr:
    """NFKC (１２３ -> 123, ，-> ,) and strip all leading/trailing whitespace (also the ideographic space)."""
    return expr.str.normalize("NFKC").str.strip_chars()


def missing_expr(normalised: pl.Expr) -> pl.Expr:
    """True where a normalised cell is null or a missing marker (空, —, 暂无, N/A, ...)."""
    return normalised.is_null() | normalised.is_in(list(missing_markers()))


def _scaled(value: pl.Expr, mult: pl.Expr) -> pl.Expr:
    """value × 万/亿 without float noise (1.2 × 10000 = 12000, not 12000.000000000002); exact when no multiplier."""
    scaled = value * mult
    return (
        pl.when(mult == 1.0).then(value)
        .when(scaled.abs() < 1e11).then(scaled.round(4))  # polars' round(n) is exact while |x|·10^n < 2^53
        .otherwise(scaled.round(0))
    )


def parse_number_columns(frame: pl.DataFrame, columns: list[str], *, value: str = "{}", failed: str = "__bad__{}") -> pl.DataFrame:
    """Parse normalised text columns to Float64 in place (null where missing or unparseable) and add failure flags.

    Staged so each step runs once per column (an expression tree that repeats a sub-expression
    would recompute it): units off, 万/亿 multiplier, thousands separators, strict number pattern.
    """
    if not columns:
        return frame
    t = {c: f"__t__{c}" for c in columns}
    m = {c: f"__m__{c}" for c in columns}
    x = {c: f"__x__{c}" for c in columns}
    out = frame.with_columns(
        *[missing_expr(pl.col(c)).alias(x[c]) for c in columns],
        *[pl.col(c).str.replace(_UNIT_RE, "").str.strip_chars().alias(t[c]) for c in columns],
    )
    out = out.with_columns(
        *[
            pl.when(pl.col(t[c]).str.ends_with("万")).then(pl.lit(MULTIPLIERS["万"]))
            .when(pl.col(t[c]).str.ends_with("亿")).then(pl.lit(MULTIPLIERS["亿"]))
            .otherwise(pl.lit(1.0)).alias(m[c])
            for c in columns
        ],
        *[pl.col(t[c]).str.strip_suffix("万").str.strip_suffix("亿").str.strip_chars().alias(t[c]) for c in columns],
    )
    out = out.with_columns(
        pl.when(pl.col(t[c]).str.contains(_THOUSANDS_RE)).then(pl.col(t[c]).str.replace_all(",", "", literal=True))
        .otherwise(pl.col(t[c])).alias(t[c])
        for c in columns
    )
    out = out.with_columns(
        pl.when(pl.col(x[c]).not_() & pl.col(t[c]).str.contains(_PLAIN_RE))
        .then(_scaled(pl.col(t[c]).cast(pl.Float64, strict=False), pl.col(m[c])))
        .alias(value.format(c))
        for c in columns
    )
    out = out.with_columns((pl.col(x[c]).not_() & pl.col(value.format(c)).is_null()).alias(failed.format(c)) for c in columns)
    return out.drop([*t.values(), *m.values(), *x.values()])


def parse_numbers(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Vectorised: (Float64 values with null for missing/failed, Boolean failed) for a text series."""
    frame = values.cast(pl.String).to_frame("v").select(normalised_expr(pl.col("v")))
    out = parse_number_columns(frame, ["v"], value="value", failed="failed")
    return out["value"], out["failed"]


def parse_number(text: object) -> float | None:
    """One cell: a float, None when missing (空, —, blank ...); ValueError when not a number.

    Same code path as the vectorised importer, so `parse_number` and an import always agree.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    value, failed = parse_numbers(pl.Series([str(text)], dtype=pl.String))
    if failed[0]:
        raise ValueError(f"not a number: {text!r}")
    return value[0]


# ---- periods -----------------------------------------------------------------------------
_CN_QUARTER = {"一": "1", "二": "2", "三": "3", "四": "4"}
_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})(?:\.0+)?$"), "year"),
    (re.compile(r"^(\d{4})年度?$"), "year"),
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})[-/](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月份?$"), "month"),
)
YEAR_MIN, YEAR_MAX = 2000, 2100


def parse_period(text: object) -> str | None:
    """A period as text: "2024" (from 2024, 2024年, 2024.0), "2024-Q1", "2024-03"; None if not valid."""
    if text is None:
        return None
    s = normalise_text(str(text)) or ""
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group(1))
        if not YEAR_MIN <= year <= YEAR_MAX:
            return None
        if kind == "year":
            return f"{year}"
        if kind == "quarter":
            return f"{year}-Q{_CN_QUARTER.get(m.group(2), m.group(2))}"
        month = int(m.group(2))
        return f"{year}-{month:02d}" if 1 <= month <= 12 else None
    return None
