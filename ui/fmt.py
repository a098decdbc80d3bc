"""Number formatting for people: 万/亿 in Chinese, K/M in English, qualifiers shown, never hidden."""

from __future__ import annotations

import math
from functools import lru_cache

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

# Parsed once: Babel parses a locale string again on every call, which a page formatting
# thousands of figures pays for in full.
LOCALES = {"zh": Locale.parse("zh_CN"), "en": Locale.parse("en")}
QUALIFIER_SIGN = {"exact": "", "more_than": ">", "at_least": "≥", "about": "≈", "up_to": "≤"}


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, fmt: str, lang: str, *, no_data: str = "—") -> str:
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


def qualified(value: float | int | None, qualifier: str | None, unit: str | None, lang: str) -> str:
    """A published figure as printed: `>2,800 个`, `≥10万 元`, `≈1万 人`; percentages as `100%`."""
    if is_missing(value):
        return "—"
    sign = QUALIFIER_SIGN.get(qualifier or "exact", "")
    if unit == "%":
        return f"{sign}{format_decimal(value, locale=LOCALES.get(lang, LOCALES['zh']))}%"
    body = number(value, "money" if abs(float(value)) >= 100_000 else "integer", lang)  # type: ignore[arg-type]
    return f"{sign}{body}{' ' + unit if unit else ''}"


def change(value: float | None, fmt: str, lang: str) -> str | None:
    """A period-over-period change for st.metric's delta; percentages as points."""
    if is_missing(value):
        return None
    if fmt == "percent":
        return f"{value * 100:+.1f} pp" if lang == "en" else f"{value * 100:+.1f} 个百分点"
    sign = "+" if value >= 0 else "-"
    return sign + number(abs(value), fmt, lang)
