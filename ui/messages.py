"""The message catalog: every data/i18n/*.csv (key,zh,en) merged, loaded once, no Streamlit needed."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

I18N_DIR = Path(__file__).resolve().parents[1] / "data" / "i18n"
LANGS = ("zh", "en")


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


def message(key: str, lang: str, **fmt: object) -> str:
    """The message in a language; an unknown key shows itself so a gap is visible, not fatal."""
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**fmt) if fmt else text
