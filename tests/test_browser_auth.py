"""Sign-in end to end: `streamlit run serve.py`, Debian's chromium, and nginx as the intranet's sign-on proxy.

One server for the module, configured as an intranet would: a users file, the sign-on header accepted
from nginx's address (127.0.0.2) only. Browsers connecting directly (127.0.0.1) sign in with a password.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path

import pytest

from store import access
from store.sessions import COOKIE_NAME, cookie_value, credential_fingerprint, new_session
from tests.browser_support import shot, streamlit_server, wait_app_idle
from tests.nginx_support import PROXY_ADDRESS, nginx_proxy

pytestmark = pytest.mark.browser

SECRET = "browser-test-secret-" + "x" * 32
PASSWORDS = {"alice": "alice-admin-pw", "victor": "victor-viewer-pw"}
SIDEBAR = '[data-testid="stSidebar"]'
NAV = '[data-testid="stSidebarNav"]'


@pytest.fixture(scope="module")
def users_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth-users") / "users.toml"
    access.add_user(path, "alice", "administrator", PASSWORDS["alice"])
    access.add_user(path, "victor", "viewer", PASSWORDS["victor"])
    return path


@pytest.fixture(scope="module")
def site(bootstrapped_db_path, tmp_path_factory, users_file):
    """The dashboard (serve.py) and nginx in front of it: {"direct", "sso", "open"} URLs."""
    from tests.browser_support import require_chromium

    require_chromium()
    work = tmp_path_factory.mktemp("auth-site")
    db = work / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    env = {
        "GOV_USERS": str(users_file),
        "GOV_SECRET": SECRET,
        "GOV_TRUSTED_USER_HEADER": "X-Forwarded-User",
        "GOV_TRUSTED_PROXIES": PROXY_ADDRESS,
        "GOV_SESSION_HOURS": "8",
    }
    with streamlit_server(db, env, script="serve.py") as direct:
        with nginx_proxy(direct, {"victor": "sso-pw-v", "mallory": "sso-pw-m"}, work / "nginx") as (sso, open_):
            yield {"direct": direct, "sso": sso, "open": open_}


def _context(browser, **kw):
    return browser.new_context(viewport={"width": 1280, "height": 1400}, locale="zh-CN", **kw)


def _open(page, url: str) -> None:
    """Open a URL and wait for the gate's verdict: the sign-in form, a refusal, or someone signed in.

    (Under `streamlit run app.py`, a deep link to a fresh server first runs the page alone, Streamlit's pages/ relic,
    then app.py; serve.py turns the relic off: see ui.shell.)
    """
    page.goto(url)
    wait_app_idle(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('h1, [data-testid="stSidebar"] p, [data-testid="stAlert"]')]
                 .some(e => /登录|已登录|角色/.test(e.innerText))""",
        timeout=60_000,
    )
    wait_app_idle(page)


def _signed_in_as(page) -> str:
    return page.locator(SIDEBAR).get_by_text("已登录").first.inner_text()


def _sign_in_form(page, timeout: float = 15_000) -> bool:
    """The sign-in form is on screen (polled with a deadline: after a deep link the gate may run twice,
    and the form's fields arrive with the second run)."""
    if timeout:
        try:
            page.get_by_label("密码").wait_for(state="visible", timeout=timeout)
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: no form
            return False
    return page.get_by_role("heading", name="登录").count() == 1 and page.get_by_label("密码").count() == 1


def _sign_in(page, url: str, name: str, password: str) -> None:
    _open(page, url)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    with page.expect_response(lambda r: "/_gov/session" in r.url) as cookie_response:
        page.get_by_role("button", name="登录").click()
    assert cookie_response.value.status == 204
    wait_app_idle(page)


def _listed_pages(page) -> list[str]:
    return [t.strip().splitlines()[-1].strip() for t in page.locator(f"{NAV} a").all_inner_texts()]  # after the icon


def test_viewer_signs_in_once_reloads_and_opens_a_deep_link_in_a_new_tab(site, browser):
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        _sign_in(page, f"{site['direct']}/", "victor", PASSWORDS["victor"])
        assert "victor" in _signed_in_as(page)
        cookie = next(c for c in ctx.cookies() if c["name"] == COOKIE_NAME)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert 8 * 3600 - 120 < cookie["expires"] - time.time() <= 8 * 3600
        assert COOKIE_NAME not in page.evaluate("document.cookie")  # out of reach of any script in the page

        page.reload()  # F5
        wait_app_idle(page)
        page.locator(SIDEBAR).get_by_text("已登录").wait_for()
        assert not _sign_in_form(page, timeout=0) and "victor" in _signed_in_as(page)

        tab = ctx.new_page()  # a link from a meeting invitation, opened in a new tab
        _open(tab, f"{site['direct']}/district?loc=450400")
        assert not _sign_in_form(tab, timeout=0) and "victor" in _signed_in_as(tab)
        assert "/district" in tab.url
        assert tab.locator('[data-testid="stException"]').count() == 0
        shot(tab, "auth-deep-link-new-tab")

        listed = _listed_pages(tab)
        assert len(listed) >= 5 and "数据导入" not in listed  # the viewer's navigation
        _open(tab, f"{site['direct']}/data_import")  # reached by URL anyway: refused on the server
        tab.get_by_text("仅限管理员").wait_for()
        assert tab.locator('[data-testid="stFileUploader"]').count() == 0
    finally:
        ctx.close()


def test_sign_out_clears_the_cookie(site, browser):
    ctx = _context(browser)
    try:
        page = ctx.new_page()
        _sign_in(page, f"{site['direct']}/", "alice", PASSWORDS["alice"])
        assert "数据导入" in _listed_pages(page)  # the administrator's navigation lists it
        with page.expect_response(lambda r: "/_gov/signout" in r.url) as cleared:
            page.get_by_role("button", name="退出登录").click()
        assert cleared.value.status == 204
        wait_app_idle(page)
        assert _sign_in_form(page)
        assert COOKIE_NAME not in [c["name"] for c in ctx.cookies()]
        page.reload()
        wait_app_idle(page)
        page.get_by_label("密码").wait_for()
        assert _sign_in_form(page)
    finally:
        ctx.close()


def _cookie(name: str, users_file, *, issued: float) -> str:
    user = access.load_users(users_file)[name]
    session = new_session(name, now=issued, hours=8)
    return cookie_value(SECRET.encode(), session, credential_fingerprint(user.password_hash))


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("expired", lambda users: _cookie("victor", users, issued=time.time() - 9 * 3600)),
        ("tampered", lambda users: _cookie("victor", users, issued=time.time()).replace("v1.dmljdG9y", "v1.YWxpY2U")),
        ("foreign-secret", lambda users: cookie_value(b"y" * 40, new_session("alice", now=time.time(), hours=8), "")),
    ],
)
def test_expired_or_tampered_cookie_gets_the_sign_in_form(site, browser, users_file, case, make):
    ctx = _context(browser)
    try:
        ctx.add_cookies([{"name": COOKIE_NAME, "value": make(users_file), "url": site["direct"], "httpOnly": True}])
        page = ctx.new_page()
        _open(page, f"{site['direct']}/district")
        shot(page, f"auth-cookie-{case}")
        assert _sign_in_form(page)
        assert page.locator(SIDEBAR).get_by_text("已登录").count() == 0
        assert (page.get_by_text("登录已过期").count() == 1) is (case == "expired")
    finally:
        ctx.close()


# ---- the intranet's sign-on proxy (nginx) ------------------------------------------------------------
def test_sign_on_through_the_proxy_needs_no_password(site, browser):
    # The browser even sends its own X-Forwarded-User: nginx overwrites it with the signed-on name.
    ctx = _context(browser, http_credentials={"username": "victor", "password": "sso-pw-v"},
                   extra_http_headers={"X-Forwarded-User": "alice"})
    try:
        page = ctx.new_page()
        _open(page, f"{site['sso']}/district")
        assert not _sign_in_form(page, timeout=0)
        assert "victor" in _signed_in_as(page) and "查看者" in _signed_in_as(page)
        assert page.locator(SIDEBAR).get_by_text("统一身份认证").count() == 1
        assert "数据导入" not in _listed_pages(page)
        shot(page, "auth-sso-viewer")
    finally:
        ctx.close()


def test_sign_on_of_an_unknown_user_gets_no_access(site, browser):
    ctx = _context(browser, http_credentials={"username": "mallory", "password": "sso-pw-m"})
    try:
        page = ctx.new_page()
        _open(page, f"{site['sso']}/")
        page.get_by_text("mallory").first.wait_for()
        assert page.get_by_label("密码").count() == 0 and page.locator('[data-testid="stMetric"]').count() == 0
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("where", "headers"),
    [
        ("direct", {"X-Forwarded-User": "alice"}),  # made up by the browser, straight to the dashboard
        ("direct", {"X-Forwarded-User": "alice", "X-Forwarded-For": PROXY_ADDRESS}),  # posing as nginx via uvicorn
        ("open", {"X-Forwarded-User": "alice"}),  # through the proxy, but without its sign-on
        ("direct", {}),  # a plain direct connection
    ],
)
def test_header_not_from_the_signed_on_proxy_gets_the_sign_in_form(site, browser, where, headers):
    ctx = _context(browser, extra_http_headers=headers)
    try:
        page = ctx.new_page()
        _open(page, f"{site[where]}/")
        assert _sign_in_form(page)
        assert page.locator(SIDEBAR).get_by_text("alice").count() == 0
    finally:
        ctx.close()


def test_failed_sign_in_through_the_proxy_is_logged_with_the_browsers_address(site, browser):
    # The browser claims to be 10.9.9.9; nginx appends the address it really saw (127.0.0.1), and the
    # dashboard reads X-Forwarded-For from the listed proxy only, from the right.
    ctx = _context(browser, extra_http_headers={"X-Forwarded-For": "10.9.9.9"})
    try:
        page = ctx.new_page()
        _open(page, f"{site['open']}/")
        page.get_by_label("用户名").fill("victor")
        page.get_by_label("密码").fill("not-the-password")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("用户名或密码不正确").wait_for()
    finally:
        ctx.close()
    admin = _context(browser, accept_downloads=True)
    # Streamlit saves a table's CSV through the File System Access picker where the browser has one;
    # without it, it falls back to an ordinary download, which Playwright can catch.
    admin.add_init_script("delete window.showSaveFilePicker;")
    try:
        page = admin.new_page()
        _sign_in(page, f"{site['direct']}/", "alice", PASSWORDS["alice"])
        _open(page, f"{site['direct']}/data_import")
        page.get_by_role("heading", name="登录记录").wait_for()
        log = page.locator('[data-testid="stDataFrame"]').last
        log.scroll_into_view_if_needed()
        shot(page, "auth-sign-in-log")
        log.hover()  # the table draws on a canvas: read it through its own CSV download
        with page.expect_download() as download:
            log.locator('[aria-label="Download as CSV"]').click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert rows[0] == ["时间", "事件", "用户名", "地址"]
        failed = [r for r in rows[1:] if r[1] == "登录失败" and r[2] == "victor"]
        assert failed and {r[3] for r in failed} == {"127.0.0.1"}  # what nginx saw, not what the browser claimed
        assert any(r[1] == "登录成功" and r[2] == "alice" and r[3] == "127.0.0.1" for r in rows[1:])
    finally:
        admin.close()
