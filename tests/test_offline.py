"""Nothing leaves the machine: every page, opened in a real browser, asks only the app's own host.

A government intranet has no way out, and a request that goes out anyway leaks who looks at what.
Every request the browser makes (documents, scripts, fonts, the favicon, map styles, images) is
recorded; any to another host is refused (so the test itself leaks nothing) and fails the test.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser_support import wait_app_idle

pytestmark = pytest.mark.browser

# Each viewing page and the import page, in both languages where a page has language-dependent
# parts; the present page in both of its modes.
PAGES = (
    "/?loc=220500",
    "/?loc=450400&lang=en",
    "/compare",
    "/compare?view=scatter",
    "/district?loc=450400",
    "/sources",
    "/present?loc=450400",
    "/present?pmode=compare",
    "/data_import",
)
DECK_PAGES = {"/?loc=220500", "/?loc=450400&lang=en", "/district?loc=450400"}


@pytest.fixture
def watched(browser, server):
    """A browser tab whose requests to any host but the app's are recorded and refused."""
    own = urlsplit(server).netloc
    outside: list[str] = []
    seen: list[str] = []
    ctx = browser.new_context(viewport={"width": 1280, "height": 1600}, locale="zh-CN")

    def route(r):  # noqa: ANN001
        url = r.request.url
        seen.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.netloc == own:
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("request", lambda req: None if urlsplit(req.url).netloc in ("", own) or urlsplit(req.url).scheme in
            ("data", "blob") else outside.append(req.url))
    yield page, outside, seen
    ctx.close()


def test_no_page_asks_any_host_but_the_app(server, watched):
    page, outside, seen = watched
    for path in PAGES:
        page.goto(f"{server}{path}")
        wait_app_idle(page)
        if path in DECK_PAGES:
            page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=30_000)
        page.wait_for_load_state("networkidle")  # the favicon and late font loads come after the run
        assert page.locator('[data-testid="stException"]').count() == 0, path
    assert seen, "no request was recorded at all: the watch does not work"
    assert any("favicon" in u or "/media/" in u for u in seen), "the page icon was not requested from the app"
    assert sorted(set(outside)) == []


def test_page_icon_is_served_by_the_app(server, watched):
    page, outside, _ = watched
    page.goto(f"{server}/")
    wait_app_idle(page)
    page.wait_for_load_state("networkidle")
    icon = page.evaluate("() => document.querySelector('link[rel~=\"icon\"]')?.href || ''")
    assert icon.startswith(server), icon
    assert outside == []
