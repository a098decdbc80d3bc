"""Makes sure every page runs inside app.py's shell (navigation, language, filters)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

_state = threading.local()
PAGE_ICON = Path(__file__).resolve().parent / "assets" / "icon.png"  # served by the app, never fetched from outside


@contextmanager
def running_shell() -> Iterator[None]:
    """app.py wraps page.run() in this, so a page can tell it was reached through the shell."""
    _state.active = True
    try:
        yield
    finally:
        _state.active = False


def page_guard() -> None:
    """Called first by every page.

    Streamlit keeps a relic of its old multipage mode: while no session has run st.navigation yet,
    a process whose app has a pages/ folder serves a deep link such as /district by running
    pages/district.py alone, without app.py. The link a leader is sent must open the full app, so
    when that happens we switch the process to st.navigation mode and rerun; app.py then runs and
    resolves the same URL path to the same page.
    """
    if getattr(_state, "active", False):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()
