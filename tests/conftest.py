"""Shared fixtures: databases built from code, and the bootstrapped real data for page tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from store.bootstrap import bootstrap
from store.db import close_database, open_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def empty_db(tmp_path):
    """A database with the schema and nothing else."""
    path = tmp_path / "empty.duckdb"
    db = open_database(path)
    yield db
    close_database(path)


@pytest.fixture(scope="session")
def bootstrapped_db_path(tmp_path_factory) -> Path:
    """The database the dashboard builds from data/ on first start, built once per test session."""
    path = tmp_path_factory.mktemp("boot") / "gov.duckdb"
    bootstrap(open_database(path))
    close_database(path)
    return path


@pytest.fixture
def app_env(bootstrapped_db_path, monkeypatch):
    """Point the app at the bootstrapped database (AppTest runs in this process)."""
    monkeypatch.setenv("GOV_DB", str(bootstrapped_db_path))
    yield bootstrapped_db_path


@pytest.fixture(scope="session", autouse=True)
def _close_databases_at_exit():
    """Close every DuckDB instance the tests opened before the interpreter tears down.

    Left open, DuckDB's bindings report 'leaked' objects at exit, burying pytest's summary line.
    """
    yield
    import gc

    import streamlit as st

    from store import db as store_db

    st.cache_resource.clear()
    st.cache_data.clear()
    for path in list(store_db._instances):
        store_db.close_database(path)
    gc.collect()
