"""The process's store for the app (published snapshots, built on first start), and cached reads keyed by data version."""

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
    """The server process's view of the store: the newest published snapshot, read-only; a store that does
    not exist yet is built from data/ first (one write, one publish).

    A damaged file (or one a process outside this code holds) stops the page with st.error saying how to
    recover, never a traceback; the next run tries again (a failed open is not cached).
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


def _build(db: Database) -> None:
    """First start: the reference tables and sample datasets, inside the write that creates the store."""
    with st.spinner("首次启动：正在从 data/ 构建数据库… / First start: building the database from data/…"):
        bootstrap(db)


@st.cache_resource(show_spinner=False)
def _db(path_text: str) -> Database:
    return open_database(Path(path_text), on_create=_build)


def version() -> str:
    """The store's data version: the published snapshot's (store/publish.py), re-read at most every
    VERSION_TTL seconds, and at once after a write here (invalidate). A page asks for several tables
    per run; one version serves them all."""
    get_db()  # a damaged or missing store stops the page here, with its message
    return _version(str(db_path()))


# Any process may publish (a CLI import, another server's import page), so the version is read again
# after at most VERSION_TTL seconds: the longest a new snapshot takes to show up on this server.
# Reading it costs a stat of the pointer file (and a read when it changed).
VERSION_TTL = 2.0


@st.cache_data(show_spinner=False, ttl=VERSION_TTL, max_entries=4)
def _version(path_text: str) -> str:
    return _db(path_text).version()


# cache_resource hands every session the same frame instead of unpickling a copy per call
# (the national roster is a 190 MB pickle: 0.2 s a call, several calls a page). Nothing changes a
# polars frame in place here, so sharing is safe. Two data versions' worth of tables at most.
@st.cache_resource(show_spinner=False, max_entries=2 * len(TABLES))
def _load(name: str, data_version: str, path_text: str) -> pl.DataFrame:
    # pinned to the version it is cached under: every table of one version comes from one snapshot
    cur = _db(path_text).reader(at=data_version)
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
