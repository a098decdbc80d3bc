"""The routes serve.py adds: a one-time ticket sets an HttpOnly session cookie; a sign-out ticket clears it."""

from __future__ import annotations

import time
import warnings

import pytest
from starlette.applications import Starlette

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2; httpx is what requirements pin (st.login)
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from store import access, sessions
from store.sessions import COOKIE_NAME, Verdict, check_cookie, credential_fingerprint
from ui import auth_routes


@pytest.fixture(autouse=True)
def _restore_mounted(monkeypatch):
    """routes() marks the process as serving them; other tests (AppTest) must not inherit that."""
    monkeypatch.setattr(auth_routes, "_mounted", False)


@pytest.fixture
def users(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    access.add_user(path, "victor", "viewer", "victor-viewer-pw")
    monkeypatch.setenv("GOV_USERS", str(path))
    monkeypatch.delenv(sessions.SECRET_ENV, raising=False)
    monkeypatch.delenv(auth_routes.SECURE_ENV, raising=False)
    monkeypatch.setenv(sessions.HOURS_ENV, "8")
    return path


@pytest.fixture
def client(users):
    with TestClient(Starlette(routes=auth_routes.routes()), base_url="http://dash.example") as c:
        yield c


def _secret(users) -> bytes:
    return sessions.load_secret(users)


def test_routes_mark_the_process_as_serving_them(client):
    assert auth_routes.mounted()


def test_sign_in_ticket_sets_a_signed_httponly_cookie(client, users):
    ticket = sessions.issue_ticket(_secret(users), "in", "victor")
    resp = client.get(f"/_gov/session?t={ticket}")
    assert resp.status_code == 204 and resp.headers["cache-control"] == "no-store"
    header = resp.headers["set-cookie"]
    assert header.startswith(f"{COOKIE_NAME}=v1.")
    attrs = {a.strip().split("=")[0].lower(): a for a in header.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= set(attrs) and "secure" not in attrs
    assert attrs["samesite"].strip().lower() == "samesite=lax"
    assert 8 * 3600 - 5 <= int(attrs["max-age"].split("=")[1]) <= 8 * 3600
    value = resp.cookies[COOKIE_NAME]
    user = access.load_users(users)["victor"]
    verdict, session = check_cookie(_secret(users), value, credential_fingerprint(user.password_hash),
                                    now=time.time(), hours=8)
    assert verdict is Verdict.VALID and session.name == "victor"


def test_ticket_works_once(client, users):
    ticket = sessions.issue_ticket(_secret(users), "in", "victor")
    assert client.get(f"/_gov/session?t={ticket}").status_code == 204
    again = client.get(f"/_gov/session?t={ticket}")
    assert again.status_code == 403 and "set-cookie" not in again.headers


@pytest.mark.parametrize("ticket", ["", "nonsense", "in.dmljdG9y.9999999999.abc.def"])
def test_bad_ticket_sets_nothing(client, ticket):
    resp = client.get(f"/_gov/session?t={ticket}")
    assert resp.status_code == 403 and "set-cookie" not in resp.headers


def test_ticket_for_a_removed_user_sets_nothing(client, users):
    ticket = sessions.issue_ticket(_secret(users), "in", "victor")
    access.remove_user(users, "victor")
    resp = client.get(f"/_gov/session?t={ticket}")
    assert resp.status_code == 403 and "set-cookie" not in resp.headers


def test_sign_out_ticket_clears_the_cookie_and_nothing_else_does(client, users):
    assert client.get("/_gov/signout").status_code == 403  # no ticket: no other site can sign anyone out
    in_ticket = sessions.issue_ticket(_secret(users), "in", "victor")
    assert client.get(f"/_gov/signout?t={in_ticket}").status_code == 403  # a sign-in ticket cannot sign out
    resp = client.get(f"/_gov/signout?t={sessions.issue_ticket(_secret(users), 'out', 'victor')}")
    assert resp.status_code == 204
    header = resp.headers["set-cookie"]
    assert header.startswith(f'{COOKIE_NAME}=""') and "max-age=0" in header.lower()


def test_cookie_is_secure_over_https_or_when_told(users, monkeypatch):
    with TestClient(Starlette(routes=auth_routes.routes()), base_url="https://dash.example") as c:
        resp = c.get(f"/_gov/session?t={sessions.issue_ticket(_secret(users), 'in', 'victor')}")
        assert "secure" in resp.headers["set-cookie"].lower()
    monkeypatch.setenv(auth_routes.SECURE_ENV, "1")
    with TestClient(Starlette(routes=auth_routes.routes()), base_url="http://dash.example") as c:
        resp = c.get(f"/_gov/session?t={sessions.issue_ticket(_secret(users), 'in', 'victor')}")
        assert "secure" in resp.headers["set-cookie"].lower()


def test_only_get_is_served(client, users):
    ticket = sessions.issue_ticket(_secret(users), "in", "victor")
    assert client.post(f"/_gov/session?t={ticket}").status_code == 405
