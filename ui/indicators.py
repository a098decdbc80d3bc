"""Shim: text.indicators in the page's language (ui.i18n.lang()). Removed after merging; new code calls
text.indicators with the language it was given."""

from __future__ import annotations

from text import indicators as _ind
from text.messages import no_data
from ui.i18n import lang


def label(indicator_id: str) -> str:
    return _ind.label(indicator_id, lang())


def unit(indicator_id: str) -> str:
    return _ind.unit(indicator_id, lang())


def definition(indicator_id: str) -> str:
    return _ind.definition(indicator_id, lang())


def help_text(indicator_id: str) -> str:
    return _ind.help_text(indicator_id, lang())


def number_format(indicator_id: str) -> str:
    return _ind.number_format(indicator_id)


def value(indicator_id: str, v: float | int | None) -> str:
    return _ind.value(indicator_id, v, lang())


def change(indicator_id: str, v: float | None) -> str | None:
    return _ind.change(indicator_id, v, lang())


def fmt_no_data() -> str:
    return no_data(lang())


def short_unit(indicator_id: str) -> str:
    return _ind.short_unit(indicator_id, lang())


def published(
    indicator_id: str, v: float | None, qualifier: str | None, *, parts: list[float] | None = None, with_unit: bool = False
) -> str:
    return _ind.published(indicator_id, v, qualifier, lang(), parts=parts, with_unit=with_unit)


def delta_color(indicator_id: str) -> str:
    return _ind.delta_color(indicator_id)


def category(indicator_id: str) -> str:
    return _ind.category(indicator_id)
