"""The README's first command on a fresh clone: no database yet, the app builds it and serves."""

from __future__ import annotations

import duckdb
import pytest

from tests.browser_support import shot, streamlit_server, wait_app_idle

pytestmark = pytest.mark.browser


def test_first_start_builds_the_database_and_serves_the_overview(tmp_path, browser):
    db = tmp_path / "fresh" / "gov.duckdb"
    assert not db.exists()
    with streamlit_server(db) as url:  # health answered "ok" before this line
        page = browser.new_page(viewport={"width": 1280, "height": 2100})
        page.goto(f"{url}/?loc=450400")
        wait_app_idle(page)
        page.get_by_role("heading", name="总览").wait_for()
        cards = page.locator('[data-testid="stMetric"]')
        cards.first.wait_for()
        texts = cards.all_inner_texts()
        shot(page, "first-start")
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()
    assert any("社区数" in t and "57" in t for t in texts), texts
    con = duckdb.connect(str(db), read_only=True)
    try:
        active = con.execute("SELECT count(*) FROM datasets WHERE status = 'active' AND synthetic").fetchone()[0]
        facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    finally:
        con.close()
    assert active > 0 and facts > 0
