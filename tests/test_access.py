"""Roles are checked on the server: in the store's write actions, on the import page, and at log-in."""

from __future__ import annotations

import io
import os
import shutil
import stat
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store import access
from store.access import PERMISSIONS, Actor, Permission, PermissionDenied, Role
from store.backup import fingerprints
from store.cli import run
from store.db import StoreError
from store.importer import import_bytes, import_file, rollback_dataset
from tests.builders import app_test, page_alone
from tests.conftest import ROOT

IMPORT_PAGE = "pages/data_import.py"
SAMPLE = ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv"
PASSWORDS = {"alice": "alice-admin-pw", "anna": "anna-analyst-pw", "victor": "victor-viewer-pw"}


def roster(period: str = "2031") -> bytes:
    """A valid roster unlike any sample (a new period), so importing it would change the tables."""
    return SAMPLE.read_bytes().replace(b",2025,", f",{period},".encode())


@pytest.fixture
def db_copy(bootstrapped_copy):
    return bootstrapped_copy


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    """A users file outside the repository: one user per role (hashing takes a moment, so once per module)."""
    path = tmp_path_factory.mktemp("users") / "users.toml"
    access.add_user(path, "alice", "administrator", PASSWORDS["alice"], email="Alice@Example.gov.cn")
    access.add_user(path, "anna", "analyst", PASSWORDS["anna"])
    access.add_user(path, "victor", "viewer", PASSWORDS["victor"], email="victor@example.gov.cn")
    return path


@pytest.fixture
def with_users(users_file, app_env, monkeypatch):
    monkeypatch.setenv("GOV_USERS", str(users_file))
    access.THROTTLE.reset()
    yield users_file
    access.THROTTLE.reset()


@pytest.fixture
def single_user(app_env, monkeypatch):
    monkeypatch.delenv("GOV_USERS", raising=False)
    yield


def test_the_dashboard_hashes_passwords_with_argon2s_recommended_parameters():
    # conftest gives the tests argon2's cheapest parameters; the dashboard's own hasher keeps the recommended ones
    from argon2 import PasswordHasher

    from tests.builders import REAL_PASSWORD_HASHER

    (real,) = REAL_PASSWORD_HASHER
    hasher, default = real(), PasswordHasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        default.time_cost, default.memory_cost, default.parallelism)
    assert hasher.memory_cost >= 64 * 1024 and hasher.hash("x").startswith("$argon2id$")


# ---- the permission table ---------------------------------------------------------------------------
def test_permission_table_is_defined_once_and_least_privilege():
    assert PERMISSIONS[Role.VIEWER] == {Permission.VIEW}
    # analysts publish a report's reviewed figures (报告录入); they never write rosters
    assert PERMISSIONS[Role.ANALYST] == {Permission.VIEW, Permission.VALIDATE, Permission.PUBLISH}
    assert PERMISSIONS[Role.ADMINISTRATOR] == set(Permission)
    for role in (Role.VIEWER, Role.ANALYST):
        for write in (Permission.IMPORT, Permission.ROLLBACK, Permission.MANAGE_USERS, Permission.BACKUP):
            assert not Actor("x", role).can(write)
    assert Actor("x", "viewer").role is Role.VIEWER  # a string role is parsed, and must be a real role
    with pytest.raises(ValueError):
        Actor("x", "root")
    assert issubclass(PermissionDenied, StoreError)
    assert access.as_actor("cli") == Actor("cli", Role.ADMINISTRATOR)  # the local operator (CLI, bootstrap)


# ---- the store refuses, whoever calls it ------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_store_write_actions_refuse_viewer_and_analyst(db_copy, tmp_path, role):
    actor = Actor("mallory", role)
    cur = db_copy.reader()
    active = cur.execute("SELECT max(dataset_id) FROM datasets WHERE status = 'active'").fetchall()[0][0]
    before = fingerprints(db_copy._con.cursor())  # every table, the import log included
    path = tmp_path / "roster.csv"
    path.write_bytes(roster())

    with pytest.raises(PermissionDenied, match="may not import"):
        import_bytes(db_copy, roster(), "roster.csv", actor=actor)
    with pytest.raises(PermissionDenied):
        import_bytes(db_copy, roster(), "roster.csv", who=actor)  # the old keyword takes an Actor too
    with pytest.raises(PermissionDenied):
        import_file(db_copy, path, actor=actor)
    with pytest.raises(PermissionDenied, match="may not rollback"):
        rollback_dataset(db_copy, active, actor=actor)
    with pytest.raises(PermissionDenied):
        rollback_dataset(db_copy, active, actor)
    if role == "viewer":  # a viewer may not even check a file; an analyst may (nothing is written)
        with pytest.raises(PermissionDenied):
            import_bytes(db_copy, roster(), "roster.csv", actor=actor, dry_run=True)
    else:
        assert import_bytes(db_copy, roster(), "roster.csv", actor=actor, dry_run=True).ok
    assert fingerprints(db_copy._con.cursor()) == before  # not a row changed, not even a log line


def test_administrator_and_local_operator_may_write(db_copy):
    result = import_bytes(db_copy, roster(), "roster.csv", actor=Actor("alice", "administrator"))
    assert result.ok and result.dataset_id
    assert rollback_dataset(db_copy, result.dataset_id, who="cli").dataset_id == result.dataset_id
    who = db_copy.reader().execute("SELECT who FROM import_log ORDER BY log_id DESC LIMIT 2").fetchall()
    assert who == [("cli",), ("alice",)]


def test_reader_cursor_cannot_write(db_copy):
    cur = db_copy.reader()
    with pytest.raises(StoreError):
        cur.execute("UPDATE datasets SET status = 'rolled_back'")
    assert cur.execute("SELECT count(*) FROM datasets WHERE status = 'active'").fetchall()[0][0] > 0


# ---- the import page ---------------------------------------------------------------------------------
def _page(name: str | None) -> AppTest:
    at = page_alone(IMPORT_PAGE)
    if name:
        from ui.auth import AUTH_KEY

        at.session_state[AUTH_KEY] = name
    return at.run()


@pytest.mark.parametrize("name", ["victor", "anna", None])
def test_import_page_refuses_non_administrators(with_users, name):
    at = _page(name)
    assert not at.exception, [e.value for e in at.exception]
    assert any("仅限管理员" in e.value for e in at.error)
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key in ("import_confirm", "import_rollback")]
    assert not at.dataframe  # not even the history
    assert not at.get("download_button")  # nor a backup


def test_import_page_serves_administrators(with_users):
    at = _page("alice")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert len(at.get("file_uploader")) == 1
    assert [b for b in at.button if b.key == "import_rollback"]
    assert len(at.get("download_button")) == 1  # the database backup


def test_single_user_mode_page_acts_as_administrator(single_user):
    at = _page(None)
    assert not at.exception and not at.error
    assert len(at.get("file_uploader")) == 1


# ---- log-in ------------------------------------------------------------------------------------------
def _login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="access_login_user").input(name)
    at.text_input(key="access_login_password").input(password)
    at.button[0].click()
    return at.run()


def _sidebar_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_login_form_refuses_wrong_password_and_accepts_right_one(with_users):
    at = app_test(run=False).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["登录"]
    assert not at.metric  # nothing of the dashboard before log-in

    _login(at, "alice", "wrong password")
    assert not at.exception
    assert any("用户名或密码不正确" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["登录"] and not at.metric

    _login(at, "nobody", PASSWORDS["alice"])  # an unknown name reads the same as a wrong password
    assert any("用户名或密码不正确" in e.value for e in at.error)

    _login(at, "alice", PASSWORDS["alice"])
    assert not at.exception, [e.value for e in at.exception]
    assert "登录" not in [t.value for t in at.title] and at.metric  # the overview
    assert any("alice" in c and "管理员" in c for c in _sidebar_captions(at))
    assert not any("单用户模式" in c for c in _sidebar_captions(at))

    at.button(key="access_logout").click().run()
    assert [t.value for t in at.title] == ["登录"]


def test_login_is_delayed_after_repeated_failures_then_works(with_users):
    at = app_test(run=False).run()
    for _ in range(access.THROTTLE.free):
        _login(at, "victor", "guess")
    _login(at, "victor", PASSWORDS["victor"])  # right, but inside the delay: not even checked
    assert any("秒后再试" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["登录"]
    access.THROTTLE.reset()  # as if the delay had passed (the delay itself: test_throttle_* below)
    _login(at, "victor", PASSWORDS["victor"])
    assert at.metric and not at.error


# ---- the throttle: a delay per (user name, address), never a lock ------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_delay_grows_with_failures_and_is_capped():
    clock = Clock()
    throttle = access.LoginThrottle(free=4, base=2.0, cap=60.0, clock=clock)
    waits = [throttle.failed("alice", "10.0.0.9") for _ in range(12)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert throttle.wait("alice", "10.0.0.9") == 60
    clock.now += 59.5
    assert throttle.wait("alice", "10.0.0.9") == pytest.approx(0.5)
    clock.now += 0.5
    assert throttle.wait("alice", "10.0.0.9") == 0  # a delay, not a lock: now a try is checked again
    throttle.succeeded("alice", "10.0.0.9")
    assert throttle.failed("alice", "10.0.0.9") == 0  # the right password cleared the count


def test_throttle_does_not_touch_the_same_name_from_another_address():
    throttle = access.LoginThrottle(clock=Clock())
    for _ in range(20):
        throttle.failed("alice", "10.6.6.6")  # someone hammering the administrator's name
    assert throttle.wait("alice", "10.6.6.6") == 60
    assert throttle.wait("alice", "10.0.0.1") == 0  # the administrator at her own desk
    assert throttle.wait("Alice ", "10.6.6.6") == 60  # case and spaces do not make a fresh name
    assert throttle.wait("bob", "10.6.6.6") == 0


def test_throttle_forgets_and_stays_bounded():
    clock = Clock()
    throttle = access.LoginThrottle(forget=900, max_keys=100, clock=clock)
    for _ in range(6):
        throttle.failed("alice", "10.0.0.9")
    clock.now += 901
    assert throttle.failed("alice", "10.0.0.9") == 0  # a quarter of an hour later, the count starts again
    for i in range(1000):  # a flood of made-up names cannot grow the table without bound
        throttle.failed(f"name{i}", "10.6.6.6")
    assert len(throttle._fails) <= 100


def test_viewer_logs_in_and_import_page_still_refuses(with_users):
    at = app_test(run=False).run()
    _login(at, "victor", PASSWORDS["victor"])
    at.switch_page(IMPORT_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("仅限管理员" in e.value for e in at.error)
    assert not at.get("file_uploader")


def test_removed_user_loses_access_on_next_run(users_file, app_env, monkeypatch, tmp_path):
    own = tmp_path / "users.toml"
    shutil.copy(users_file, own)
    monkeypatch.setenv("GOV_USERS", str(own))
    at = app_test(run=False).run()
    _login(at, "anna", PASSWORDS["anna"])
    assert at.metric
    assert run(["user", "remove", "anna", "--users", str(own)]) == 0
    at.run()
    assert [t.value for t in at.title] == ["登录"]


def test_single_user_mode_says_so_on_every_page(single_user):
    at = app_test(run=False).run()
    assert not at.exception
    assert any("单用户模式" in c for c in _sidebar_captions(at))
    at.switch_page(IMPORT_PAGE).run()
    assert any("单用户模式" in c for c in _sidebar_captions(at))
    assert len(at.get("file_uploader")) == 1
    en = app_test(run=False)
    en.query_params["lang"] = "en"
    en.run()
    assert any("Single-user mode" in c for c in _sidebar_captions(en))


# ---- OpenID Connect (st.login) ---------------------------------------------------------------------
OIDC = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "https://sso.example.gov.cn/.well-known/openid-configuration",
}


def _oidc_app(user: dict) -> AppTest:
    at = app_test(run=False)
    at.secrets["auth"] = OIDC
    at.user = user
    return at.run()


def test_oidc_shows_single_sign_on_button_until_logged_in(with_users):
    at = _oidc_app({"is_logged_in": False})
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.button] == ["统一身份认证登录"]
    assert not at.text_input and not at.metric  # no password form in OIDC mode


def test_oidc_maps_email_to_role_through_users_file(with_users):
    at = _oidc_app({"is_logged_in": True, "email": "alice@example.GOV.cn", "name": "Alice"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric and any("alice" in c and "管理员" in c for c in _sidebar_captions(at))
    at.switch_page(IMPORT_PAGE).run()
    assert len(at.get("file_uploader")) == 1

    viewer = _oidc_app({"is_logged_in": True, "email": "victor@example.gov.cn"})
    viewer.switch_page(IMPORT_PAGE).run()
    assert any("仅限管理员" in e.value for e in viewer.error) and not viewer.get("file_uploader")


def test_oidc_unknown_email_has_no_access(with_users):
    at = _oidc_app({"is_logged_in": True, "email": "stranger@example.com"})
    assert not at.exception
    assert any("stranger@example.com" in e.value for e in at.error)
    assert not at.metric


def test_actor_for_email_unit(users_file):
    users = access.load_users(users_file)
    assert access.actor_for_email(users, " ALICE@example.gov.cn ") == Actor("alice", "administrator")
    assert access.actor_for_email(users, None) is None
    assert access.actor_for_email(users, "anna@example.gov.cn") is None  # anna has no e-mail


# ---- users file and `python -m store user` ---------------------------------------------------------
def test_cli_user_add_writes_only_a_hash(tmp_path, monkeypatch, capsys):
    path = tmp_path / "conf" / "users.toml"
    monkeypatch.setenv("GOV_USERS", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-password\n"))
    assert run(["user", "add", "王芳", "--role", "analyst", "--password-stdin"]) == 0
    text = path.read_text(encoding="utf-8")
    assert "s3cret-password" not in text and "$argon2id$" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    users = access.load_users(path)
    assert users["王芳"].role is Role.ANALYST
    assert access.authenticate(users, "王芳", "s3cret-password") == Actor("王芳", "analyst")
    assert access.authenticate(users, "王芳", "S3cret-password") is None

    monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))  # change the role and the password
    assert run(["user", "add", "王芳", "--role", "viewer", "--password-stdin"]) == 0
    users = access.load_users(path)
    assert users["王芳"].role is Role.VIEWER and access.authenticate(users, "王芳", "another-password")
    capsys.readouterr()
    assert run(["user", "list"]) == 0
    out = capsys.readouterr().out
    assert "王芳\tviewer" in out and "argon2" not in out


@pytest.mark.parametrize(
    ("args", "stdin", "why"),
    [
        (["user", "add", "bob", "--role", "viewer", "--password-stdin"], "short\n", "too short"),
        (["user", "add", "../bob", "--role", "viewer", "--password-stdin"], "long-enough-pw\n", "not allowed"),
        (["user", "add", "bob", "--role", "viewer", "--no-password"], "", "needs a password"),
    ],
)
def test_cli_user_add_refusals(tmp_path, monkeypatch, capsys, args, stdin, why):
    monkeypatch.setenv("GOV_USERS", str(tmp_path / "users.toml"))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert run(args) == 2
    assert why in capsys.readouterr().err
    assert not (tmp_path / "users.toml").exists()


def test_users_file_inside_the_repository_is_refused(monkeypatch, capsys):
    inside = ROOT / "data" / "users-test-should-not-exist.toml"
    monkeypatch.setenv("GOV_USERS", str(inside))
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    assert run(["user", "add", "bob", "--role", "viewer", "--password-stdin"]) == 2
    assert "inside the repository" in capsys.readouterr().err
    assert not inside.exists()


def test_unset_users_file_is_refused(monkeypatch, capsys):
    monkeypatch.delenv("GOV_USERS", raising=False)
    assert run(["user", "list"]) == 2
    assert "GOV_USERS" in capsys.readouterr().err


def test_broken_users_file_is_an_error_not_a_traceback(app_env, monkeypatch, tmp_path):
    bad = tmp_path / "users.toml"
    bad.write_text('[users.eve]\nrole = "root"\n', encoding="utf-8")
    monkeypatch.setenv("GOV_USERS", str(bad))
    at = app_test(run=False).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("unknown role" in e.value for e in at.error)
    assert not at.metric
