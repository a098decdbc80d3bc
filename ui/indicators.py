"""Labels, units, definitions and number formats of indicators, from the catalog, in the UI language."""

from __future__ import annotations

from queries.catalog import indicator, split_suffix
from ui import fmt
from ui.i18n import lang


def label(indicator_id: str) -> str:
    return indicator(indicator_id)[f"name_{lang()}"]


def unit(indicator_id: str) -> str:
    return indicator(indicator_id)[f"unit_{lang()}"] or ""


def definition(indicator_id: str) -> str:
    return indicator(indicator_id)[f"definition_{lang()}"]


def help_text(indicator_id: str) -> str:
    """What a hover on a card or chart title shows: definition and formula."""
    row = indicator(indicator_id)
    return f"{row[f'definition_{lang()}']}\n\n`{row['formula']}`"


def number_format(indicator_id: str) -> str:
    base, _ = split_suffix(indicator_id)
    return indicator(base)["format"]


def value(indicator_id: str, v: float | int | None) -> str:
    """A value formatted the catalog's way (percent, integer, money, decimal1) for this language."""
    return fmt.number(v, number_format(indicator_id), lang(), no_data=fmt_no_data())


def change(indicator_id: str, v: float | None) -> str | None:
    return fmt.change(v, number_format(indicator_id), lang())


def fmt_no_data() -> str:
    return "无数据" if lang() == "zh" else "no data"
