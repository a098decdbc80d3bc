"""Shared fixtures: databases built from code, and the bootstrapped real data for page tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.bootstrap import bootstrap
from store.db import close_database, open_database
from tests.builders import REAL_PASSWORD_HASHER, app_test

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
    db = open_database(path)
    with db.batch():  # one publish for the whole bootstrap, as the dashboard's first start does
        bootstrap(db)
    close_database(path)
    return path


@pytest.fixture(scope="session")
def store_template(tmp_path_factory):
    """store_template(name, build) -> the path of a store `build(path)` made, built once per session and
    closed; a test that writes copies it (tests.builders.copy_store) instead of building its own (milliseconds, not tenths
    of a second: creating the schema, inserting and publishing cost the same every time)."""
    built: dict[str, Path] = {}

    def template(name: str, build) -> Path:
        if name not in built:
            path = tmp_path_factory.mktemp(f"template-{name}") / "gov.duckdb"
            build(path)
            close_database(path)
            built[name] = path
        return built[name]

    return template


@pytest.fixture
def bootstrapped_copy(bootstrapped_db_path, tmp_path):
    """A store of its own, as bootstrap builds it from data/, for a test that writes: a copy of the
    session's bootstrapped file (bootstrapping anew takes seconds; copying it, milliseconds)."""
    import shutil

    path = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    db = open_database(path)
    yield db
    close_database(path)


@pytest.fixture
def app_env(bootstrapped_db_path, monkeypatch):
    """Point the app at the bootstrapped database (AppTest runs in this process)."""
    monkeypatch.setenv("GOV_DB", str(bootstrapped_db_path))
    yield bootstrapped_db_path


@pytest.fixture
def open_page(app_env):
    """Opens the dashboard on the bootstrapped store: open_page("pages/compare.py", locs="450400,450800") runs
    app.py straight on that page with those URL parameters, as a deep link does (no page: the default one),
    and fails the test on any exception the run raised."""

    def _open(page: str | None = None, **params: str):
        at = app_test(page, **params)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


@pytest.fixture(scope="session", autouse=True)
def _cheapest_password_hashes():
    """Password hashes with argon2's cheapest parameters (argon2.profiles.CHEAPEST, made for tests): 0.1 ms a
    hash or check instead of 0.14 s of CPU, dozens of times a session. The tests are about who may sign in,
    not about argon2's cost; test_access checks that the dashboard's own hasher keeps the recommended one."""
    from argon2 import PasswordHasher, profiles

    from store import access

    REAL_PASSWORD_HASHER.append(access._hasher)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(access, "_hasher", lambda: PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


@pytest.fixture(scope="session", autouse=True)
def _scan_installed_components_once():
    """Every new AppTest scans the metadata of every installed package for Streamlit components
    (manifest_scanner.scan_component_manifests: 0.25 s of CPU, some eighty times a session). The
    installed packages do not change during a session: scan once."""
    from functools import cache

    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(manifest_scanner, "scan_component_manifests", cache(manifest_scanner.scan_component_manifests))
        yield


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


@pytest.fixture(scope="session")
def tables(bootstrapped_db_path) -> dict:
    """The bootstrapped store's tables as polars frames, as the pages read them."""
    from store import read

    cur = open_database(bootstrapped_db_path).reader()
    try:
        # every table a view-model is built from (views.TABLES), so the views tests share this fixture
        from views import TABLES

        return {name: getattr(read, name)(cur) for name in TABLES}
    finally:
        cur.close()


@pytest.fixture(scope="module")
def server(bootstrapped_db_path, tmp_path_factory):
    """`streamlit run app.py` on a copy of the bootstrapped database, one per test module.

    A copy: the pytest process may hold the original open for AppTest, and DuckDB allows one
    read-write process per file.
    """
    import shutil

    from tests.browser_support import require_chromium, streamlit_server

    require_chromium()
    db = tmp_path_factory.mktemp("served") / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    with streamlit_server(db) as url:
        yield url


@pytest.fixture
def page(browser):
    """A fresh browser context and page, a tall desktop window in Chinese (a module may define its own)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 2100}, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright, launched by path (Playwright's own download is unavailable)."""
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
