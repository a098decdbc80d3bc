"""Numbers for people: 万/亿 in Chinese, K/M in English, qualifiers shown (never hidden), changes in points.

Catalog formats: percent (a fraction 0..1 shown as 87.5%), integer, money (yuan, compact from
1万), decimal1. A missing value is never 0: callers choose what it reads as (— in tables,
无数据 / no data in text: text.messages.no_data).
"""

from __future__ import annotations

import math
from functools import lru_cache

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

from text.messages import message

# Parsed once: Babel parses a locale string again on every call, which a page formatting
# thousands of figures pays for in full.
LOCALES = {"zh": Locale.parse("zh_CN"), "en": Locale.parse("en")}
QUALIFIER_SIGN = {"exact": "", "more_than": ">", "at_least": "≥", "about": "≈", "up_to": "≤"}
DASH = "—"  # a missing value in a table cell
RANGE_SEP = "–"


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, fmt: str, lang: str, *, no_data: str = DASH) -> str:
    """Format a value by the catalog's format: percent, integer, decimal1, money."""
    if is_missing(value):
        return no_data
    return _number(float(value), fmt, lang)  # type: ignore[arg-type]


# Babel's compact formatting takes ~40 µs a number, and a page of published figures repeats the
# same few values (10万, 100%) thousands of times.
@lru_cache(maxsize=8192)
def _number(v: float, fmt: str, lang: str) -> str:
    locale = LOCALES.get(lang, LOCALES["zh"])
    if fmt == "percent":
        return f"{v * 100:.1f}%"
    if fmt == "money" and abs(v) < 10_000:
        # below 1万 there is nothing to compact, and Babel would print every decimal (5578.947…)
        return format_decimal(round(v), locale=locale)
    if fmt == "money" or (fmt == "integer" and abs(v) >= 100_000):
        return format_compact_decimal(v, locale=locale, fraction_digits=1 if abs(v) < 1e8 else 2)
    if fmt == "integer":
        return format_decimal(round(v), locale=locale)
    return format_decimal(round(v, 1), locale=locale, format="#,##0.0")


def sign(qualifier: str | None) -> str:
    """>, ≥, ≈, ≤ or nothing: how a report's 多 / 不少于 / 左右 / 不超过 reads before a number."""
    return QUALIFIER_SIGN.get(qualifier or "exact", "")


def with_unit(text: str, unit: str | None) -> str:
    """A number with its unit after a space (10万 元, 2,800 个); none for % (in the number) or no unit."""
    return f"{text} {unit}" if unit and unit != "%" else text


def qualified(value: float | int | None, qualifier: str | None, unit: str | None, lang: str) -> str:
    """A published figure in its own unit as printed: `>2,800 个`, `≥10万 元`, `≈1万 人`; `100%`."""
    if is_missing(value):
        return DASH
    if unit == "%":
        return f"{sign(qualifier)}{format_decimal(value, locale=LOCALES.get(lang, LOCALES['zh']))}%"
    body = number(value, "money" if abs(float(value)) >= 100_000 else "integer", lang)  # type: ignore[arg-type]
    return with_unit(f"{sign(qualifier)}{body}", unit)


def interval(low: float | None, high: float | None, fmt: str, lang: str) -> str:
    """The range a report's wording allows: 10万–15万, ≥10万 (no upper bound), ≤5万 (no lower bound)."""
    if is_missing(low) and is_missing(high):
        return DASH
    if is_missing(high):
        return "≥" + number(low, fmt, lang)
    if is_missing(low):
        return "≤" + number(high, fmt, lang)
    if low == high:
        return number(low, fmt, lang)
    return f"{number(low, fmt, lang)}{RANGE_SEP}{number(high, fmt, lang)}"


def points(value: float, lang: str) -> str:
    """A change of a rate (fraction points) in percentage points: +5.0 pp / +5.0 个百分点."""
    return message("common.points", lang, value=f"{value * 100:+.1f}")


def change(value: float | None, fmt: str, lang: str) -> str | None:
    """A period-over-period change (st.metric's delta); rates in percentage points; None when missing."""
    if is_missing(value):
        return None
    if fmt == "percent":
        return points(value, lang)  # type: ignore[arg-type]
    return ("+" if value >= 0 else "-") + number(abs(value), fmt, lang)  # type: ignore[arg-type, operator]
