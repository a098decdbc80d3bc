"""ui/auth.py through AppTest: session cookie, sign-on proxy header, delay per address, sign-in log, navigation.

AppTest has no connection, so these tests hand the app the connection a browser or a proxy would make
(headers, cookies, peer) by replacing ui.auth._request; the real server and chromium are in
tests/test_browser_auth.py.
"""

from __future__ import annotations

import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from store import access, sessions
from store.peers import Request
from store.sessions import COOKIE_NAME, cookie_value, credential_fingerprint, new_session
from tests.builders import app_test
from ui import auth

IMPORT_PAGE = "pages/data_import.py"
PASSWORDS = {"alice": "alice-admin-pw", "victor": "victor-viewer-pw"}
PROXY = "10.0.0.2"
HEADER = "X-Forwarded-User"


@pytest.fixture(scope="module")
def users_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("users") / "users.toml"
    access.add_user(path, "alice", "administrator", PASSWORDS["alice"])
    access.add_user(path, "victor", "viewer", PASSWORDS["victor"], email="victor@example.gov.cn")
    return path


@pytest.fixture
def users(users_template, tmp_path, monkeypatch, bootstrapped_db_path):
    """Own users file (tests change it), own database (sign-ins are logged), no sign-on proxy configured."""
    path = tmp_path / "conf" / "users.toml"
    path.parent.mkdir()
    shutil.copy(users_template, path)
    db = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    monkeypatch.setenv("GOV_DB", str(db))
    monkeypatch.setenv("GOV_USERS", str(path))
    for name in ("GOV_SECRET", "GOV_SESSION_HOURS", "GOV_TRUSTED_USER_HEADER", "GOV_TRUSTED_PROXIES",
                 "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    access.THROTTLE.reset()
    yield path
    access.THROTTLE.reset()
    from store.db import close_database

    close_database(db)


@pytest.fixture
def connection(monkeypatch):
    """Set the connection the next AppTest run sees: connection(remote_ip, headers=..., cookies=...)."""
    current = {"request": Request()}

    def set_connection(remote_ip: str | None = None, headers: dict[str, str] | None = None,
                       cookies: dict[str, str] | None = None) -> None:
        current["request"] = Request(tuple((headers or {}).items()), dict(cookies or {}), remote_ip)

    monkeypatch.setattr(auth, "_request", lambda: current["request"])
    return set_connection


@pytest.fixture
def sso(monkeypatch):
    monkeypatch.setenv("GOV_TRUSTED_USER_HEADER", HEADER)
    monkeypatch.setenv("GOV_TRUSTED_PROXIES", f"{PROXY},192.168.8.0/24")


@pytest.fixture
def navigation(monkeypatch):
    """The page lists each AppTest run sent to the browser (ForwardMsg.navigation), newest last."""
    from streamlit.testing.v1 import local_script_runner

    seen: list = []
    original = local_script_runner.parse_tree_from_messages

    def record(messages):
        seen.extend(m.navigation for m in messages if m.WhichOneof("type") == "navigation")
        return original(messages)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", record)
    return seen


def listed(nav) -> list[str]:
    return [p.page_name for p in nav.app_pages if not p.is_hidden]


def app() -> AppTest:
    return app_test(run=False)


def login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="access_login_user").input(name)
    at.text_input(key="access_login_password").input(password)
    at.button[0].click()
    return at.run()


def on_sign_in_form(at: AppTest) -> bool:
    return [t.value for t in at.title] == ["登录"] and bool(at.text_input) and not at.metric


def cookie_for(users, name: str, *, now: float | None = None, hours: float = 8) -> str:
    user = access.load_users(users)[name]
    session = new_session(name, now=time.time() if now is None else now, hours=hours)
    return cookie_value(sessions.load_secret(users), session, credential_fingerprint(user.password_hash))


# ---- the session cookie -----------------------------------------------------------------------------------
def test_valid_cookie_signs_in_a_new_tab(users, connection):
    connection("172.16.5.9", cookies={COOKIE_NAME: cookie_for(users, "victor")})
    at = app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric and any("victor" in c.value and "查看者" in c.value for c in at.sidebar.caption)
    assert [b.key for b in at.sidebar.button] == ["access_logout"]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda v: v[:-3] + ("abc" if not v.endswith("abc") else "xyz"), id="forged-signature"),
        pytest.param(lambda v: v.replace(sessions._b64(b"victor"), sessions._b64(b"alice")), id="other-user"),
        pytest.param(lambda v: "v1.YWxpY2U.9999999999.AAAA", id="made-up"),
    ],
)
def test_tampered_cookie_gets_the_sign_in_form(users, connection, spoil):
    connection("172.16.5.9", cookies={COOKIE_NAME: spoil(cookie_for(users, "victor"))})
    at = app().run()
    assert not at.exception and on_sign_in_form(at)
    assert not at.info  # no "expired" notice for a cookie that was never ours


def test_expired_cookie_gets_the_sign_in_form_and_says_why(users, connection):
    connection("172.16.5.9", cookies={COOKIE_NAME: cookie_for(users, "victor", now=time.time() - 9 * 3600)})
    at = app().run()
    assert not at.exception and on_sign_in_form(at)
    assert any("已过期" in i.value for i in at.info)


def test_cookie_of_removed_or_demoted_user_is_rechecked_every_run(users, connection):
    connection("172.16.5.9", cookies={COOKIE_NAME: cookie_for(users, "alice")})
    at = app().run()
    assert any("管理员" in c.value for c in at.sidebar.caption)
    access.add_user(users, "alice", "viewer", None)  # demoted (password unchanged): the cookie stays, the role goes
    at.run()
    assert any("alice" in c.value and "查看者" in c.value for c in at.sidebar.caption)
    access.remove_user(users, "alice")
    at.run()
    assert on_sign_in_form(at)


def test_password_change_ends_cookie_sessions(users, connection):
    connection("172.16.5.9", cookies={COOKIE_NAME: cookie_for(users, "victor")})
    access.add_user(users, "victor", "viewer", "a-brand-new-password")
    assert on_sign_in_form(app().run())


def test_sign_out_ignores_the_cookie_this_tab_came_with(users, connection):
    connection("172.16.5.9", cookies={COOKIE_NAME: cookie_for(users, "victor")})
    at = app().run()
    assert at.metric
    at.sidebar.button(key="access_logout").click().run()
    assert on_sign_in_form(at)
    at.run()
    assert on_sign_in_form(at)  # still out, though the handshake's cookie is unchanged in this session


def test_sign_in_in_a_tab_lasts_session_hours(users, connection, monkeypatch):
    connection("172.16.5.9")
    at = login(app().run(), "victor", PASSWORDS["victor"])
    until = at.session_state[auth._UNTIL]
    assert 8 * 3600 - 60 < until - time.time() <= 8 * 3600
    at.session_state[auth._UNTIL] = time.time() - 1  # eight hours later
    at.run()
    assert on_sign_in_form(at) and any("已过期" in i.value for i in at.info)


def test_served_with_routes_sign_in_asks_the_browser_to_fetch_a_ticket(users, connection, monkeypatch):
    from ui import auth_routes

    monkeypatch.setattr(auth_routes, "_mounted", True)  # as under `streamlit run serve.py`
    connection("172.16.5.9")
    at = login(app().run(), "victor", PASSWORDS["victor"])
    pixels = [h.proto.body for h in at.sidebar.get("html")]
    assert len(pixels) == 1 and 'src="/_gov/session?t=in.' in pixels[0] and "display:none" in pixels[0]
    ticket = pixels[0].split("?t=", 1)[1].split('"', 1)[0]
    assert sessions.redeem_ticket(sessions.load_secret(users), "in", ticket) == "victor"
    at.run()
    assert not at.sidebar.get("html")  # fetched once, not on every run
    at.sidebar.button(key="access_logout").click().run()
    pixels = [h.proto.body for h in at.sidebar.get("html")]
    assert len(pixels) == 1 and 'src="/_gov/signout?t=out.' in pixels[0]


# ---- the sign-on proxy header -------------------------------------------------------------------------
def test_header_from_listed_proxy_signs_in_with_the_users_file_role(users, connection, sso):
    connection(PROXY, headers={HEADER: "victor", "X-Forwarded-For": "172.16.5.9"})
    at = app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric and not at.text_input  # no password form
    assert any("victor" in c.value and "查看者" in c.value for c in at.sidebar.caption)
    assert any("统一身份认证" in c.value for c in at.sidebar.caption)
    assert not [b for b in at.sidebar.button if b.key == "access_logout"]  # signing out is the portal's job
    at.switch_page(IMPORT_PAGE).run()
    assert any("仅限管理员" in e.value for e in at.error) and not at.get("file_uploader")


def test_header_may_carry_an_email(users, connection, sso):
    connection("192.168.8.20", headers={HEADER: "Victor@Example.gov.cn"})
    at = app().run()
    assert at.metric and any("victor" in c.value for c in at.sidebar.caption)


def test_header_from_another_address_is_ignored(users, connection, sso):
    connection("10.0.0.66", headers={HEADER: "alice"})  # a browser sending the header itself
    at = app().run()
    assert not at.exception and on_sign_in_form(at)
    assert not any("alice" in c.value for c in at.sidebar.caption)


def test_header_forged_through_uvicorns_forwarded_for_is_ignored(users, connection, sso):
    # On the server itself: 127.0.0.1 sends X-Forwarded-For: 10.0.0.2, uvicorn reports the peer as 10.0.0.2.
    connection(PROXY, headers={HEADER: "alice", "X-Forwarded-For": PROXY})
    assert on_sign_in_form(app().run())


def test_direct_connection_without_header_gets_the_sign_in_form(users, connection, sso):
    connection("172.16.5.9")
    assert on_sign_in_form(app().run())
    connection(PROXY)  # through the proxy, but its sign-on gave no name: the password form as well
    assert on_sign_in_form(app().run())


def test_header_naming_an_unknown_user_gets_no_access(users, connection, sso):
    connection(PROXY, headers={HEADER: "mallory"})
    at = app().run()
    assert not at.exception
    assert any("mallory" in e.value for e in at.error)
    assert not at.metric and not at.text_input


def test_header_setting_without_users_file_refuses_rather_than_acting_as_admin(users, connection, sso, monkeypatch):
    monkeypatch.delenv("GOV_USERS")
    connection(PROXY, headers={HEADER: "victor"})
    at = app().run()
    assert any("GOV_TRUSTED_USER_HEADER" in e.value for e in at.error)
    assert not at.metric and not any("单用户模式" in c.value for c in at.sidebar.caption)


def test_bad_proxy_list_is_an_error_not_a_sign_in(users, connection, monkeypatch):
    monkeypatch.setenv("GOV_TRUSTED_USER_HEADER", HEADER)
    monkeypatch.setenv("GOV_TRUSTED_PROXIES", "nginx.internal")
    connection(PROXY, headers={HEADER: "alice"})
    at = app().run()
    assert any("GOV_TRUSTED_PROXIES" in e.value for e in at.error) and not at.metric


# ---- the delay is per (user name, address) --------------------------------------------------------------
def test_failures_from_one_address_do_not_block_the_same_user_from_another(users, connection):
    connection("10.6.6.6")  # someone guessing the administrator's password
    attacker = app().run()
    for _ in range(access.THROTTLE.free + 3):
        login(attacker, "alice", "guess")
    login(attacker, "alice", PASSWORDS["alice"])
    assert any("秒后再试" in e.value for e in attacker.error) and on_sign_in_form(attacker)

    connection("10.0.0.1")  # the administrator at her desk, at the same moment
    admin = login(app().run(), "alice", PASSWORDS["alice"])
    assert not admin.error and admin.metric
    assert any("alice" in c.value and "管理员" in c.value for c in admin.sidebar.caption)


def test_failed_and_successful_sign_ins_land_in_the_log_for_administrators(users, connection):
    connection("10.6.6.6")
    at = app().run()
    login(at, "alice", "guess-1")
    login(at, "nobody", "guess-2")
    connection("10.0.0.1")
    login(at, "alice", PASSWORDS["alice"])
    from store.db import open_database

    events = access.auth_events(open_database(), 10)
    assert events.select("event", "user_name", "address").rows() == [
        ("signed_in", "alice", "10.0.0.1"), ("failed", "nobody", "10.6.6.6"), ("failed", "alice", "10.6.6.6"),
    ]
    assert events["logged_at"].null_count() == 0
    assert all(abs(time.time() - ts.timestamp()) < 600 for ts in events["logged_at"])

    at.switch_page(IMPORT_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "登录记录" in [s.value for s in at.subheader]
    table = at.dataframe[-1].value
    assert list(table.columns) == ["时间", "事件", "用户名", "地址"]
    assert table["事件"].tolist()[:3] == ["登录成功", "登录失败", "登录失败"]
    assert table["地址"].tolist()[:3] == ["10.0.0.1", "10.6.6.6", "10.6.6.6"]


def test_viewer_does_not_see_the_sign_in_log(users, connection):
    connection("10.0.0.1")
    at = login(app().run(), "victor", PASSWORDS["victor"])
    at.switch_page(IMPORT_PAGE).run()
    assert "登录记录" not in [s.value for s in at.subheader]


# ---- navigation by role ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "import_listed"), [("victor", False), ("alice", True)])
def test_import_page_is_listed_only_for_roles_that_may_import(users, connection, navigation, name, import_listed):
    connection("10.0.0.1")
    at = login(app().run(), name, PASSWORDS[name])
    nav = navigation[-1]
    assert {"总览", "城市比较", "区县与社区", "来源与证据", "演示模式"} <= set(listed(nav))
    assert ("数据导入" in listed(nav)) is import_listed
    assert any(p.page_name == "数据导入" for p in nav.app_pages)  # still a page: its URL reaches its refusal
    if not import_listed:
        at.switch_page(IMPORT_PAGE).run()
        assert any("仅限管理员" in e.value for e in at.error)


def test_single_user_mode_lists_the_import_page(connection, navigation, app_env, monkeypatch):
    monkeypatch.delenv("GOV_USERS", raising=False)
    monkeypatch.delenv("GOV_TRUSTED_USER_HEADER", raising=False)
    app().run()
    assert "数据导入" in listed(navigation[-1])  # single-user mode acts as administrator


# ---- OpenID Connect: st.login's own cookie lasts 30 days; GOV_SESSION_HOURS still applies ----------------
def test_oidc_sign_in_older_than_session_hours_must_sign_in_again(users, connection):
    from tests.test_access import OIDC

    at = app()
    at.secrets["auth"] = OIDC
    at.user = {"is_logged_in": True, "email": "victor@example.gov.cn", "iat": int(time.time()) - 9 * 3600}
    at.run()
    assert not at.exception and not at.metric
    assert any("已过期" in i.value for i in at.info)
    assert [b.label for b in at.button] == ["统一身份认证登录"]
    fresh = app()
    fresh.secrets["auth"] = OIDC
    fresh.user = {"is_logged_in": True, "email": "victor@example.gov.cn", "iat": int(time.time()) - 60}
    fresh.run()
    assert fresh.metric and any("victor" in c.value for c in fresh.sidebar.caption)
