"""A report's units for people: its measure word (个, 名, 元, 人次), what it counts and per what, in zh or en.

Chinese readers get the report's own measure word with its denominator (次/年, 元/月, 个/街道).
English has no measure words: 201个 (party organisations) reads "201 party organisations", so an
English unit names what is counted (the fact's `counts`, data/mappings/counts.csv) and falls back
to the measure word's own English (data/mappings/units.csv: 元 yuan, 人次 person-times) when the
kind is unknown; a measure word with neither reads as a bare number, never as Chinese.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from text.messages import check_lang, message

MAPPINGS = Path(__file__).resolve().parents[1] / "data" / "mappings"
UNITS_PATH = MAPPINGS / "units.csv"
COUNTS_PATH = MAPPINGS / "counts.csv"
PERCENT = ("%", "％")


def _read(path: Path, key: str) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row[key]: row for row in csv.DictReader(fh) if row.get(key)}


@lru_cache(maxsize=1)
def units_table() -> dict[str, dict[str, str]]:
    """measure word -> {en_one, en_other, note}; en empty for a measure word English does not have."""
    return _read(UNITS_PATH, "unit")


@lru_cache(maxsize=1)
def counts_table() -> dict[str, dict[str, str]]:
    """unit kind (facts.counts, catalog counts) -> {zh, en_one, en_other}."""
    return _read(COUNTS_PATH, "counts")


def _plural(row: dict[str, str], value: float | None) -> str:
    one = value is not None and abs(float(value)) == 1
    return row["en_one"] if one else row["en_other"]


def kind(counts: str | None, lang: str, value: float | None = None) -> str:
    """What a figure counts, as a noun: 人次 / person-times, 党组织 / party organisations ('' for none).
    An unknown kind shows its code with spaces (a gap in counts.csv is visible, never Chinese in English)."""
    if not counts:
        return ""
    row = counts_table().get(counts)
    if row is None:
        return counts.replace("_", " ")
    return row["zh"] if check_lang(lang) == "zh" else _plural(row, value)


def per(per_code: str | None, lang: str) -> str:
    """The denominator after a unit: /年, /社区 in Chinese; per year, per community in English ('' for none)."""
    return message(f"units.per.{per_code}", lang) if per_code else ""


def unit(unit_zh: str | None, lang: str, *, counts: str | None = None, per_code: str | None = None,
         value: float | None = None) -> str:
    """A figure's unit as a reader of `lang` writes it: 次/年 | briefings per year; 元/月 | yuan per month;
    个 | party organisations. `value` picks the English singular or plural; '' for % (it is in the number)."""
    check_lang(lang)
    if unit_zh in PERCENT:
        return ""
    if lang == "zh":
        return f"{unit_zh or ''}{per(per_code, lang)}"
    noun = ""
    if counts and counts not in ("share", "percent"):
        noun = kind(counts, lang, value)
    if not noun and unit_zh:
        row = units_table().get(unit_zh)
        noun = _plural(row, value) if row else ""
    return " ".join(p for p in (noun, per(per_code, lang)) if p)


def with_unit(text: str, unit_text: str) -> str:
    """A number and its unit: 201 个, 201 party organisations; the number alone without a unit."""
    return f"{text} {unit_text}" if unit_text else text
