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


def exact(value: float | int, fmt: str, lang: str) -> str:
    """A number shown to the last digit that matters, for the ends of an interval: 55,250 not 5.5万,
    99.95% not 100.0%, 17.5万 and 6000万 compact only when no digit is lost."""
    v = float(value)
    locale = LOCALES.get(lang, LOCALES["zh"])
    if fmt == "percent":
        return format_decimal(round(v * 100, 4), locale=locale, format="#,##0.####") + "%"
    full = 10_000 if fmt == "money" else 100_000
    if abs(v) >= full:
        for size, suffix in _COMPACT[lang if lang in _COMPACT else "zh"]:
            if abs(v) >= size:
                q = v / size
                if abs(q * 10_000 - round(q * 10_000)) < 1e-6:
                    return format_decimal(round(q, 4), locale=locale, format="0.####") + suffix
                break
    return format_decimal(round(v, 4), locale=locale, format="#,##0.####")


# The steps Babel's compact format uses, so an interval's ends read like the figures beside them.
_COMPACT = {"zh": ((1e8, "亿"), (1e4, "万")), "en": ((1e9, "B"), (1e6, "M"), (1e3, "K"))}


def interval(
    low: float | None, high: float | None, fmt: str, lang: str, *, bounds: str | None = "[]",
    qualifier: str | None = None,
) -> str:
    """The range a report's wording allows (figures/wording.py), as a reader says it: 2,600至不足2,700 /
    2,600 to under 2,700 (2600多), 55,250–55,350 (5.53万 exact), >30,000 (超过3万), ≥10万 (不少于10万),
    <5万 (不到5万), ≤5万 (不超过5万). `bounds` says which ends are closed ("[)": low in, high out).

    A floor of 0 under an `up_to` figure and the 100 % ceiling over a `more_than`/`at_least` share are
    what every such figure has, so they are not written out: 98%以上 reads >98%, not "over 98% to 100%".
    """
    if is_missing(low) and is_missing(high):
        return DASH
    b = bounds if bounds and len(bounds) == 2 else "[]"
    if qualifier == "up_to" and not is_missing(low) and float(low) == 0:  # type: ignore[arg-type]
        low = None
    if fmt == "percent" and qualifier in ("more_than", "at_least") and not is_missing(high) and float(high) >= 1:  # type: ignore[arg-type]
        high = None
    if is_missing(high):
        return (">" if b[0] == "(" else "≥") + exact(low, fmt, lang)  # type: ignore[arg-type]
    if is_missing(low):
        return ("<" if b[1] == ")" else "≤") + exact(high, fmt, lang)  # type: ignore[arg-type]
    lo, hi = exact(low, fmt, lang), exact(high, fmt, lang)  # type: ignore[arg-type]
    if lo == hi:
        return lo
    shape = {"[]": "closed", "[)": "open_high", "(]": "open_low", "()": "open"}[b]
    return message(f"numbers.range.{shape}", lang, low=lo, high=hi)


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
