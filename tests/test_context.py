"""The app's cached reads: one shared frame per table and data version, read again after a write."""

from __future__ import annotations

import pytest
import streamlit as st

from ui import context


@pytest.fixture(autouse=True)
def fresh_caches(app_env):
    """Streamlit's caches are process-wide; an earlier test may have closed the database they hold."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def test_a_table_is_shared_not_copied_between_calls(app_env):
    # a copy per call cost 0.2 s for the national roster, several times a page
    assert context.table("community_rows") is context.table("community_rows")


def test_invalidate_reads_the_tables_again(app_env):
    before = context.table("localities")
    context.invalidate()
    after = context.table("localities")
    assert after is not before and after.equals(before)


def test_the_data_version_is_read_once_for_many_tables(app_env, monkeypatch):
    from store.db import Database

    calls = []
    real = Database.version
    monkeypatch.setattr(Database, "version", lambda self: calls.append(1) or real(self))
    context.invalidate()
    for name in context.TABLES:
        context.table(name)
    assert len(calls) == 1


def test_the_data_version_is_the_published_snapshot(app_env):
    from store.publish import read_pointer

    assert context.version() == read_pointer(app_env).version


def test_tables_are_read_from_the_version_they_are_cached_under(app_env, tmp_path, monkeypatch):
    """A table asked for under version v comes from v's snapshot even after a newer one is published."""
    import shutil

    from store.db import close_database, open_database
    from store.importer import import_bytes
    from tests.conftest import ROOT

    path = tmp_path / "gov.duckdb"
    shutil.copy(app_env, path)
    monkeypatch.setenv("GOV_DB", str(path))
    try:
        old = context.version()
        before = context.table("datasets").height
        data = (ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv").read_bytes().replace(b",2025,", b",2034,")
        assert import_bytes(open_database(path), data, "w2034.csv", who="admin").ok
        assert context._load("datasets", old, str(path)).height == before  # (cached, and pinned when loaded)
        context._load.clear()
        assert context._load("datasets", old, str(path)).height == before  # read again from the old snapshot
        context.invalidate()
        assert context.version() != old and context.table("datasets").height == before + 1
    finally:
        st.cache_resource.clear()
        close_database(path)
