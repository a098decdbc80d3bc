"""An indicator as people read it, from the catalog: label, unit, definition, and its values formatted."""

from __future__ import annotations

from collections.abc import Sequence

from queries.catalog import indicator, split_suffix
from text import numbers, punct
from text.messages import no_data


def _row(indicator_id: str) -> dict:
    return indicator(split_suffix(indicator_id)[0])


def label(indicator_id: str, lang: str) -> str:
    return indicator(indicator_id)[f"name_{lang}"]


def label_in_text(indicator_id: str, lang: str) -> str:
    """The label inside an English sentence, lower-cased (Communities with the lowest compound party-organisation
    coverage); Chinese has no case. An acronym (first two letters upper case) keeps its case."""
    text = label(indicator_id, lang)
    if lang != "en" or len(text) < 2 or text[1].isupper():
        return text
    return text[0].lower() + text[1:]


def unit(indicator_id: str, lang: str) -> str:
    return indicator(indicator_id)[f"unit_{lang}"] or ""


def definition(indicator_id: str, lang: str) -> str:
    return indicator(indicator_id)[f"definition_{lang}"]


def formula(indicator_id: str) -> str:
    return indicator(indicator_id)["formula"]


def help_text(indicator_id: str, lang: str) -> str:
    """What a hover on a card or chart title shows: definition and formula."""
    return f"{definition(indicator_id, lang)}\n\n`{formula(indicator_id)}`"


def number_format(indicator_id: str) -> str:
    return _row(indicator_id)["format"]


def category(indicator_id: str) -> str:
    return _row(indicator_id)["category"]


def higher_is_better(indicator_id: str) -> bool | None:
    return _row(indicator_id)["higher_is_better"]


def label_with_unit(indicator_id: str, lang: str) -> str:
    """An axis or column title: the label with its unit, except for rates (the % is in the numbers)."""
    if number_format(indicator_id) == "percent":
        return label(indicator_id, lang)
    return title(indicator_id, lang)


def title(indicator_id: str, lang: str) -> str:
    """A chart title: the label with its unit (rates too: 小区党组织覆盖率（%）), the unit left out where the
    label already says it (Service activities per 10k residents, not "… (per 10k residents)")."""
    text, u = label(indicator_id, lang), unit(indicator_id, lang)
    return text if u and u.lower() in text.lower() else punct.with_unit(text, u, lang)


def value(indicator_id: str, v: float | int | None, lang: str) -> str:
    """A roster value formatted the catalog's way; 无数据 / no data when missing."""
    return numbers.number(v, number_format(indicator_id), lang, no_data=no_data(lang))


def cell(indicator_id: str, v: float | int | None, lang: str) -> str:
    """value() for a table cell, where a missing value is a dash."""
    return numbers.number(v, number_format(indicator_id), lang)


def change(indicator_id: str, v: float | None, lang: str) -> str | None:
    return numbers.change(v, number_format(indicator_id), lang)


def short_unit(indicator_id: str, lang: str) -> str:
    """The unit without its 'per …' part, for a figure beside its label: 元 of 元/社区·年, yuan of
    yuan per community per year; empty for rates (the % is in the number)."""
    if number_format(indicator_id) == "percent":
        return ""
    text = unit(indicator_id, lang)
    return text.split(" per ")[0] if lang == "en" else text.split("/")[0]


def published(
    indicator_id: str, v: float | None, qualifier: str | None, lang: str, *, parts: Sequence[float] | None = None,
    with_unit: bool = False,
) -> str:
    """A published figure (catalog units) as the report states it: `≥10万`, `100%`, `>3,000`; a total
    made of published parts shows them (`≥10万+5万`). `with_unit` appends the short unit."""
    if numbers.is_missing(v):
        return no_data(lang)
    fmt = number_format(indicator_id)
    if fmt == "percent":
        return numbers.qualified(float(v) * 100, qualifier, "%", lang)  # type: ignore[arg-type]
    shown = parts if parts and len(parts) > 1 else [v]
    body = "+".join(numbers.number(p, fmt, lang) for p in shown)
    return numbers.with_unit(numbers.sign(qualifier) + body, short_unit(indicator_id, lang) if with_unit else None)


def delta_color(indicator_id: str) -> str:
    """st.metric's delta_color: a rise is green when higher is better, red when lower is better,
    grey for plain counts (more communities is neither good nor bad)."""
    return {True: "normal", False: "inverse"}.get(higher_is_better(indicator_id), "off")
