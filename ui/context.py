"""The process's database for the app, bootstrapped on first start, and cached reads keyed by data version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from store import read
from store.bootstrap import bootstrap
from store.db import Database, StoreDamaged, StoreError, db_path, open_database
from ui.i18n import t

TABLES: dict[str, Callable[[duckdb.DuckDBPyConnection], pl.DataFrame]] = {
    "localities": read.localities,
    "sources": read.sources,
    "facts": read.facts,
    "indicators": read.indicators,
    "datasets": read.datasets,
    "community_rows": read.community_rows,
}


def get_db() -> Database:
    """One DuckDB instance for the whole server process; a missing file is built from data/ first.

    A damaged file (or one another process holds) stops the page with st.error saying how to recover,
    never a traceback; the next run tries again (a failed open is not cached).
    """
    path = db_path()
    try:
        return _db(str(path))
    except StoreDamaged as exc:
        detail = str(exc.__cause__ or exc).splitlines()[0][:300]
        st.error(t("access.db_damaged", path=str(path), detail=detail), icon=":material/error:")
    except StoreError as exc:
        st.error(t("access.db_unavailable", detail=str(exc)), icon=":material/error:")
    st.stop()


@st.cache_resource(show_spinner=False)
def _db(path_text: str) -> Database:
    path = Path(path_text)
    fresh = not path.exists()
    db = open_database(path)
    if fresh:
        with st.spinner("首次启动：正在从 data/ 构建数据库… / First start: building the database from data/…"):
            bootstrap(db)
    return db


def version() -> str:
    """The store's data version: re-read at most every VERSION_TTL seconds, and right after a write
    here (invalidate). A page asks for several tables per run; one query serves them all."""
    get_db()  # a damaged or missing store stops the page here, with its message
    return _version(str(db_path()))


# Only this process writes (DuckDB's file lock keeps the CLI out while the dashboard runs), and it
# clears this after every write, so the TTL only bounds how long another session's import takes
# to show up.
VERSION_TTL = 2.0


@st.cache_data(show_spinner=False, ttl=VERSION_TTL, max_entries=4)
def _version(path_text: str) -> str:
    cur = _db(path_text).reader()
    try:
        return read.data_version(cur)
    finally:
        cur.close()


# cache_resource hands every session the same frame instead of unpickling a copy per call
# (the national roster is a 190 MB pickle: 0.2 s a call, several calls a page). Nothing changes a
# polars frame in place here, so sharing is safe. Two data versions' worth of tables at most.
@st.cache_resource(show_spinner=False, max_entries=2 * len(TABLES))
def _load(name: str, data_version: str, path_text: str) -> pl.DataFrame:
    cur = _db(path_text).reader()
    try:
        return TABLES[name](cur)
    finally:
        cur.close()


def table(name: str) -> pl.DataFrame:
    """A store table as a materialised polars frame (shared, never to be changed in place);
    refreshed whenever the data version changes."""
    return _load(name, version(), str(db_path()))


def import_log(limit: int = 200) -> pl.DataFrame:
    cur = get_db().reader()
    try:
        return read.import_log(cur, limit)
    finally:
        cur.close()


def invalidate() -> None:
    """After a write: the data version is read again at once, and the old tables are freed."""
    _version.clear()
    _load.clear()
