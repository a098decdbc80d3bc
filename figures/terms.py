"""What a figure counts: the catalog indicator (or, failing one, a theme) that the words next to it name.

The words are data: data/mappings/figure_terms.csv maps a term (小区, 在职党员, 服务群众专项经费) to a
catalog indicator and a theme, optionally only when another word stands in the same clause
(在职党员 is a reported member only where the clause says 报到). A term with no indicator names a theme
only, and stops a shorter or farther term from lending its indicator (社区党组织 is not a count of
社区). An indicator is taken only when its unit kind agrees with the figure's measure word (人 counts
persons, 元 yuan, % a share) and its denominator with the figure's (每个社区 → per community).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from figures.sentences import ASIDE
from figures.wording import unit_kind

TERMS_PATH = Path(__file__).resolve().parents[1] / "data" / "mappings" / "figure_terms.csv"
# The catalog's `counts` for each unit kind a measure word states (figures/wording.py's UNIT_KIND).
COUNTS_OF_UNIT_KIND = {
    "percent": "share", "persons": "persons", "households": "households", "yuan": "yuan", "m2": "m2",
    "person_times": "person_times", "hours": "hours", "class_hours": "class_hours", "times": "times",
}
# Kinds only a matching measure word can state: a bare 个, 件 or 次 never counts people, money, area or a share.
MEASURED_KINDS = frozenset(COUNTS_OF_UNIT_KIND.values())
# Measure words that say what kind of thing is counted, beyond wording.UNIT_KIND.
MEASURE_COUNTS = {"批": "batches", "批次": "batches", "支": "teams"}
# Measure words of time: a duration is no catalog indicator's count.
DURATION_UNITS = frozenset({"年", "个月", "月", "周", "天", "日", "小时", "分钟", "学时", "季度"})
# Near enough for a term to name what a figure counts (characters between them).
MAX_GAP = 8
# ... unless the words between the measure word and the term are one modifier ending in 的 (no clause break)
MAX_MODIFIED = 20
# 指导小区建立业主委员会195个: after a verb of making, the noun before the figure is what is counted, and a
# term before that verb is where it was made
_MADE_BETWEEN = re.compile(r"(?:建立|建成|组建|成立|打造|建设|设立|培育|评选|选派|招募|聘请)[\u4e00-\u9fff“”]{2,}(?:共|达|达到|总数)?$")
_DIGIT = re.compile(r"\d")  # another number in the modifier: it is another figure's phrase
THEME_OF_UNIT_KIND = {"yuan": "funding", "m2": "workforce", "class_hours": "workforce"}


@dataclass(frozen=True)
class Term:
    term: str
    indicator: str  # '' for a theme-only term
    requires: tuple[str, ...]
    theme: str


@dataclass(frozen=True)
class Match:
    """What the words next to a figure say it counts."""

    indicator: str  # '' when no catalog indicator agrees
    theme: str
    term: str  # the term found ('' for none)
    term_start: int  # its position in the clause (-1 for none)
    name_en: str = ""
    category: str = ""
    counts: str = ""


@lru_cache(maxsize=4)
def load_terms(path: str | None = None) -> tuple[Term, ...]:
    """The term table, longest terms first."""
    df = pl.read_csv(path or TERMS_PATH, infer_schema=False, encoding="utf8").fill_null("")
    terms = [
        Term(r["term"].strip(), r["indicator"].strip(), tuple(w for w in r["requires"].split("|") if w), r["theme"].strip())
        for r in df.iter_rows(named=True)
        if r["term"].strip()
    ]
    return tuple(sorted(terms, key=lambda t: -len(t.term)))


@lru_cache(maxsize=4)
def _catalog(path: str | None = None) -> dict[str, dict]:
    from queries.catalog import load_catalog

    return {r["indicator_id"]: r for r in load_catalog(path).iter_rows(named=True)}


def unit_agrees(counts: str, unit: str) -> bool:
    """True when a figure in `unit` can count what an indicator counts (catalog `counts`)."""
    if unit in DURATION_UNITS and counts not in ("hours", "class_hours"):
        return False
    kind = unit_kind(unit)
    if kind is not None:
        return COUNTS_OF_UNIT_KIND.get(kind) == counts
    if counts in MEASURED_KINDS:
        return False
    measured = MEASURE_COUNTS.get(unit)
    return measured is None or measured == counts


def per_agrees(catalog_per: str, per: str) -> bool:
    """True when a figure's denominator (figures.wording.per_of) is the indicator's."""
    catalog_per = catalog_per or ""
    if catalog_per in ("", "year"):
        return per in ("", "year")
    return per == catalog_per


def match(clause: str, start: int, end: int, unit: str, per: str, *, sentence: str = "",
          terms: tuple[Term, ...] | None = None, catalog: dict[str, dict] | None = None) -> Match:
    """The indicator and theme the terms next to the figure at clause[start:end] name.

    The nearest term wins (a term right after the measure word first: 451个小区), and among the
    indicators a term may name, the first whose `requires` words stand in the clause (or sentence)
    and whose unit and denominator agree; rows with `requires` are tried before rows without. The
    nearest two terms are tried; a theme-only term in between stops the search.
    """
    terms = load_terms() if terms is None else terms
    catalog = _catalog() if catalog is None else catalog
    where = clause + "\n" + sentence
    found: list[tuple[int, int, int, str]] = []  # (gap, -len, position, term)
    taken: list[tuple[int, int]] = []
    for text in dict.fromkeys(t.term for t in terms):  # longest first: 小区党支部 before 小区 and 党支部
        for m in re.finditer(re.escape(text), clause):
            s, e = m.start(), m.end()
            if s < end and e > start:  # inside the figure itself
                continue
            if any(s >= a and e <= b for a, b in taken):
                continue
            between = clause[end:s] if s >= end else clause[e:start]
            if s < start and _MADE_BETWEEN.search(between):
                continue
            gap = len(ASIDE.sub("", between))  # 小区党支部（或联合党支部）201个: an aside in brackets is no distance
            if gap > MAX_GAP:
                # 80多支以驻区党员骨干为主体的志愿服务队伍: a modifier ending in 的 stands between measure word and noun
                if not (s >= end and gap <= MAX_MODIFIED and between.endswith("的") and not _DIGIT.search(between)):
                    continue
                gap = MAX_GAP
            taken.append((s, e))
            # the noun after a measure word is what is counted; before the figure, a little farther is as near
            found.append((gap if s >= end else gap + 1, -len(text), s, text))
    found.sort()
    theme = ""
    for tried, (_, _, pos, text) in enumerate(found[:2]):
        # a row whose `requires` words stand here is more specific than one with none (社区工作者 after 选聘)
        rows = sorted((t for t in terms if t.term == text), key=lambda t: not t.requires)
        for t in rows:
            if not t.indicator:
                continue
            if t.requires and not any(w in where for w in t.requires):
                continue
            row = catalog.get(t.indicator)
            if row is None or not unit_agrees(row.get("counts") or "", unit) or not per_agrees(row.get("per") or "", per):
                continue
            return Match(t.indicator, row.get("category") or t.theme, text, pos, row.get("name_en") or "",
                         row.get("category") or "", row.get("counts") or "")
        theme = theme or next((t.theme for t in rows if t.theme), "")
        if any(not t.indicator for t in rows):  # a theme-only term: what is counted is not an indicator
            break
    if not theme:
        theme = THEME_OF_UNIT_KIND.get(unit_kind(unit) or "", "")
    return Match("", theme, found[0][3] if found else "", found[0][2] if found else -1)
