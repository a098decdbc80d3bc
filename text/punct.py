"""Punctuation that differs between Chinese and English: lists, brackets, colons, quotes, titles."""

from __future__ import annotations

from collections.abc import Iterable

# zh uses full-width marks with no spaces around them; en uses ASCII marks and spaces.
_LIST = {"zh": "、", "en": ", "}      # 梧州市、贵港市 / Wuzhou, Guigang
_ITEMS = {"zh": "；", "en": "; "}     # separate statements
_COLON = {"zh": "：", "en": ": "}
_PAREN = {"zh": ("（", "）"), "en": (" (", ")")}


def list_sep(lang: str) -> str:
    return _LIST.get(lang, _LIST["zh"])


def item_sep(lang: str) -> str:
    return _ITEMS.get(lang, _ITEMS["zh"])


def colon(lang: str) -> str:
    return _COLON.get(lang, _COLON["zh"])


def join_list(items: Iterable[str], lang: str) -> str:
    return list_sep(lang).join(items)


def join_items(items: Iterable[str], lang: str) -> str:
    return item_sep(lang).join(items)


_SPACE = {"zh": "　", "en": " "}  # between an id and a title, or quotations in a row: 全角空格 / a space


def space(lang: str) -> str:
    return _SPACE.get(lang, _SPACE["zh"])


def quotes(items: Iterable[str], lang: str) -> str:
    """Quotations one after another: “…”　“…” in Chinese, “…” “…” in English."""
    return space(lang).join(quote(i) for i in items)


def join_parts(items: Iterable[str]) -> str:
    """Parts of one label, the same in both languages: 其他 · 组织与机制 / Other · Organisation."""
    return " · ".join(i for i in items if i)


def paren(text: str, lang: str) -> str:
    """（S000） after Chinese text, " (S000)" after English."""
    open_, close = _PAREN.get(lang, _PAREN["zh"])
    return f"{open_}{text}{close}"


def with_unit(label: str, unit: str | None, lang: str) -> str:
    """A label with its unit: 每社区经费（元/社区·年）/ Funds per community (yuan per community per year)."""
    return f"{label}{paren(unit, lang)}" if unit else label


def labelled(label: str, text: str, lang: str) -> str:
    """标签：内容 / Label: text."""
    return f"{label}{colon(lang)}{text}"


def quote(text: str) -> str:
    """A quotation, “…”, in both languages (a report's own words); quotation marks inside it become
    single ones (‘…’), so “‘邻里党建’让…” never reads as “"邻里党建"… with doubled marks."""
    return f"“{_inner(text)}”"


def _inner(text: str) -> str:
    return text.replace("“", "‘").replace("”", "’").replace('"', "’")


def title(text: str, lang: str) -> str:
    """A document title: 《…》 in Chinese, “…” in English (its own quotation marks nested: ‘…’)."""
    return f"《{text}》" if lang == "zh" else quote(text)


def cite(source_id: str, title_text: str, lang: str) -> str:
    """A source as readers cite it: S000《title》 in Chinese, S000 “title” in English."""
    return f"{source_id}{title(title_text, lang)}" if lang == "zh" else f"{source_id} {title(title_text, lang)}"
