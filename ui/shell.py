"""Makes sure every page runs inside app.py's shell (navigation, language, filters)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

import streamlit as st

_state = threading.local()
PAGE_ICON = Path(__file__).resolve().parent / "assets" / "icon.png"  # served by the app, never fetched from outside


def sidebar_state() -> Literal["auto", "collapsed"]:
    """Collapsed on the present page: a projector must never show the sidebar, not even for the
    moment before the page's own style (which hides it) arrives. Read from the URL, because the
    page is known only after st.navigation, and the sidebar is drawn before that."""
    try:
        path = urlparse(st.context.url or "").path
    except Exception:  # noqa: BLE001 - no browser context (AppTest, bare mode): the default
        return "auto"
    return "collapsed" if path.rstrip("/").endswith("/present") else "auto"


@contextmanager
def running_shell() -> Iterator[None]:
    """app.py wraps page.run() in this, so a page can tell it was reached through the shell."""
    _state.active = True
    try:
        yield
    finally:
        _state.active = False


def navigation_only() -> None:
    """Tell Streamlit, before any session, that app.py's st.navigation lists the pages (the relic below
    never runs then: serve.py calls this; `streamlit run app.py` still relies on page_guard)."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


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
    navigation_only()
    st.set_page_config(initial_sidebar_state=sidebar_state())  # this run draws the old page list in the sidebar
    st.rerun()
