"""End to end in a real browser: `streamlit run app.py`, Debian's chromium, Playwright."""

from __future__ import annotations

import shutil

import pytest

from tests.browser_support import (
    CHROMIUM, CHROMIUM_ARGS, require_chromium, shot, streamlit_server, wait_app_idle,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(bootstrapped_db_path, tmp_path_factory):
    require_chromium()
    # A copy: the pytest process may hold the original open for AppTest, and DuckDB
    # allows one read-write process per file.
    db = tmp_path_factory.mktemp("served") / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    with streamlit_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 2100}, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_overview_renders_in_chinese(server, page):
    page.goto(f"{server}/")
    wait_app_idle(page)
    page.get_by_role("heading", name="总览").wait_for()
    shot(page, "overview")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_language_in_url_reopens_in_english(server, page):
    page.goto(f"{server}/?lang=en")
    wait_app_idle(page)
    page.get_by_role("heading", name="Overview").wait_for()
    shot(page, "overview-en")


def test_clicking_english_switches_language_and_url(server, page):
    page.goto(f"{server}/")
    wait_app_idle(page)
    page.get_by_role("radio", name="English").click()
    page.get_by_role("heading", name="Overview").wait_for()
    page.wait_for_url("**lang=en**", timeout=10_000)
