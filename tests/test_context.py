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
    calls = []
    real = context.read.data_version
    monkeypatch.setattr(context.read, "data_version", lambda cur: calls.append(1) or real(cur))
    context.invalidate()
    for name in context.TABLES:
        context.table(name)
    assert len(calls) == 1
