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


def short_unit(indicator_id: str) -> str:
    """The unit without its 'per …' part, for a figure beside its label: 元 of 元/社区·年, yuan of
    yuan per community per year; empty for rates (the % is in the number)."""
    if number_format(indicator_id) == "percent":
        return ""
    text = unit(indicator_id)
    return text.split(" per ")[0] if lang() == "en" else text.split("/")[0]


def published(
    indicator_id: str, v: float | None, qualifier: str | None, *, parts: list[float] | None = None, with_unit: bool = False
) -> str:
    """A published figure (catalog units) as the report states it: `≥10万`, `100%`, `>3,000`; a total
    made of published parts shows them (`≥10万+5万`). `with_unit` appends the short unit."""
    if fmt.is_missing(v):
        return fmt_no_data()
    name = number_format(indicator_id)
    if name == "percent":
        return fmt.qualified(float(v) * 100, qualifier, "%", lang())  # type: ignore[arg-type]
    sign = fmt.QUALIFIER_SIGN.get(qualifier or "exact", "")
    shown = parts if parts and len(parts) > 1 else [v]
    body = "+".join(fmt.number(p, name, lang()) for p in shown)
    suffix = short_unit(indicator_id) if with_unit else ""
    return f"{sign}{body}{' ' + suffix if suffix else ''}"


def delta_color(indicator_id: str) -> str:
    """st.metric's delta_color: a rise is green when higher is better, red when lower is better,
    grey for plain counts (more communities is neither good nor bad)."""
    better = indicator(split_suffix(indicator_id)[0])["higher_is_better"]
    return {True: "normal", False: "inverse"}.get(better, "off")


def category(indicator_id: str) -> str:
    return indicator(split_suffix(indicator_id)[0])["category"]
