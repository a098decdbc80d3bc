"""The interface language: a URL-bound switch (Chinese default) and t() for every label."""

from __future__ import annotations

import streamlit as st

from text.messages import LANGS, message

LANG_KEY = "lang"


def lang() -> str:
    from ui import urlstate

    value = urlstate.current(LANG_KEY)
    return value if value in LANGS else "zh"


def t(key: str, **fmt: object) -> str:
    return message(key, lang(), **fmt)


def name_col() -> str:
    """Which name column of localities/indicators to show."""
    return "name_en" if lang() == "en" else "name_zh"


def language_switch() -> None:
    """Rendered first in app.py so every later label is in the chosen language."""
    from ui import urlstate

    urlstate.segmented(
        "语言 / Language",
        list(LANGS),
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
        default="zh",
        key=LANG_KEY,
        container=st.sidebar,
    )
