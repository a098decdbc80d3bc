"""Column headers: normalise (full-width, spaces, unit suffixes), map aliases to canonical columns, spot personal data."""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from store.columns import CANONICAL

MAPPINGS_DIR = Path(__file__).resolve().parents[1] / "data" / "mappings"

# A unit or note in brackets at the end: 网格数（个）, 经费(元/年), 面积[㎡], 人数【人】
_SUFFIX_RE = re.compile(r"(?:\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】)$")
# A unit after a slash: 经费/元, 网格数/个
_SLASH_UNIT_RE = re.compile(r"/(?:元|万元|个|人|户|名|件|次|项|m2|平方米|元/年)$")


def _base(text: object) -> str:
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    s = s.strip().strip("*").strip()
    if re.search(r"[A-Za-z]", s) and not re.search(r"[\u4e00-\u9fff]", s):
        return re.sub(r"[\s\-.]+", "_", s).lower()
    return re.sub(r"\s+", "", s).lower()


def normalise_header(text: object) -> str:
    """Header text as compared: NFKC (（元）->(元)), no spaces, lower case, unit suffixes removed."""
    s = _base(text)
    while True:
        stripped = _SLASH_UNIT_RE.sub("", _SUFFIX_RE.sub("", s))
        if stripped == s or not stripped:
            return s
        s = stripped


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Normalised alias -> canonical column, from data/mappings/header_aliases.csv plus the canonical names."""
    out: dict[str, str] = {}
    path = MAPPINGS_DIR / "header_aliases.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                column = row["column"].strip()
                if column not in CANONICAL:
                    raise ValueError(f"{path.name}: alias {row['alias']!r} names unknown column {column!r}")
                out[_base(row["alias"])] = column
                out.setdefault(normalise_header(row["alias"]), column)
    for column in CANONICAL:
        out[column] = column
    return out


def canonical_for(header: object) -> str | None:
    """The canonical column a header means, or None (exact alias first, then without its unit suffix)."""
    table = aliases()
    return table.get(_base(header)) or table.get(normalise_header(header))


@lru_cache(maxsize=1)
def _personal_patterns() -> tuple[tuple[str, str], ...]:
    path = MAPPINGS_DIR / "personal_headers.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple((_base(r["pattern"]), r["match"].strip()) for r in csv.DictReader(fh))


def is_personal_header(header: object) -> bool:
    """True for a header that names personal data (身份证号, 联系电话, 姓名, phone, ...)."""
    if canonical_for(header) is not None:
        return False
    s = _base(header)
    if not s:
        return False
    for pattern, match in _personal_patterns():
        if (match == "exact" and s == pattern) or (match == "contains" and pattern in s):
            return True
    return False


def header_score(cells: list[object]) -> int:
    """How many distinct canonical columns a candidate header row names (to find the header row)."""
    return len({c for c in (canonical_for(x) for x in cells if x not in (None, "")) if c})
