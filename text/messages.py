"""The message catalog: every data/i18n/*.csv (key,zh,en) merged, loaded once."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

I18N_DIR = Path(__file__).resolve().parents[1] / "data" / "i18n"
LANGS: tuple[str, ...] = ("zh", "en")


def check_lang(lang: str) -> str:
    """`lang` itself when it is one of LANGS; ValueError otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """key -> {"zh": ..., "en": ...}; a key defined twice, or missing a language, is an error."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(I18N_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for line_no, row in enumerate(csv.DictReader(fh), start=2):
                key = (row.get("key") or "").strip()
                if not key:
                    continue
                if key in out:
                    raise ValueError(f"{path.name}:{line_no}: message key {key!r} defined twice")
                missing = [lang for lang in LANGS if not (row.get(lang) or "").strip()]
                if missing:
                    raise ValueError(f"{path.name}:{line_no}: message {key!r} lacks {', '.join(missing)}")
                out[key] = {lang: row[lang] for lang in LANGS}
    return out


def message(key: str, lang: str, **fields: object) -> str:
    """The message in a language; an unknown key shows itself so a gap is visible, not fatal."""
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**fields) if fields else text


def no_data(lang: str) -> str:
    """无数据 / no data: what a missing value reads as, everywhere."""
    return message("common.no_data", lang)
