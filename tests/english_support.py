"""What counts as a Chinese leftover on an English page: Han characters that are not part of a data value.

Data values stay in the language they were recorded in: place names without an English name,
community and street names, report titles and authors, the reports' own words (evidence). Every
such string is collected from the store itself; a page's text has them removed, longest first, and
what Han is left is interface text that escaped the text layer (a unit 个, 个百分点, a Chinese label).

Quotation marks are compared loosely: an English title nests its own marks (“‘邻里党建’让…”), so
“ ” ‘ ’ " are one mark for this comparison. The language switch is the one interface string that must
show Chinese on an English page (a Chinese reader must find 中文): it is named here, nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import polars as pl

# Han ideographs, CJK symbols and punctuation (、。《》「」), full-width forms (（）：，％).
HAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
QUOTES = str.maketrans({"“": '"', "”": '"', "‘": '"', "’": '"'})
LANGUAGE_SWITCH = ("语言 / Language", "中文")

# Which columns of which store table hold data values, not words of the interface.
DATA_COLUMNS: dict[str, tuple[str, ...]] = {
    "localities": ("name_zh",),
    "sources": ("title", "author"),
    "facts": ("locality", "parent", "evidence"),
    "community_rows": ("city", "district", "street", "community"),
}


def data_strings(tables: Mapping[str, pl.DataFrame], extra: Iterable[str] = ()) -> list[str]:
    """Every Chinese data value of the store, quotation marks normalised, longest first. Authors and
    localities lists joined with ; are split too (a page may show one name of several)."""
    found: set[str] = set(extra)
    for table, columns in DATA_COLUMNS.items():
        frame = tables.get(table)
        if frame is None or frame.is_empty():
            continue
        for c in columns:
            if c not in frame.columns:
                continue
            for v in frame[c].drop_nulls().unique().to_list():
                for part in (v, *str(v).split(";")):
                    part = str(part).strip()
                    if part and HAN.search(part):
                        found.add(part.translate(QUOTES))
    return sorted(found, key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    """The text with every data value and the language switch removed."""
    out = text.translate(QUOTES)
    for s in (*LANGUAGE_SWITCH, *data):
        if s in out:
            out = out.replace(s, " ")
    return out


def leftovers(text: str, data: list[str], context: int = 25) -> list[str]:
    """Each Han character left after the data values are removed, with some text either side."""
    rest = without_data(text, data)
    return [rest[max(m.start() - context, 0):m.end() + context].replace("\n", " ⏎ ") for m in HAN.finditer(rest)]
