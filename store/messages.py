"""The store's own messages (data/i18n/import.csv and access.csv), for the CLI and the preview: no Streamlit needed."""

from __future__ import annotations

import csv
from functools import lru_cache

from store.db import ROOT

I18N_FILE = ROOT / "data" / "i18n" / "import.csv"
# access.*: upload limits raised by the readers; localities.csv: ambiguous locality names (store/rules.py)
I18N_FILES = (I18N_FILE, ROOT / "data" / "i18n" / "access.csv", ROOT / "data" / "i18n" / "localities.csv")


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for path in I18N_FILES:
        with path.open(encoding="utf-8", newline="") as fh:
            out.update({row["key"]: {"zh": row["zh"], "en": row["en"]} for row in csv.DictReader(fh)})
    return out


def message(key: str, lang: str = "zh", **params: object) -> str:
    """The import.* message for `key` in `lang` (zh, en), formatted; the key itself if unknown."""
    entry = _messages().get(key)
    if entry is None:
        return key + (" " + repr(params) if params else "")
    text = entry.get(lang) or entry["zh"]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
