"""The session cookie and tickets: signed, expiring, bound to the password, and the secret kept owner-only."""

from __future__ import annotations

import os
import stat

import pytest

from store import sessions
from store.db import StoreError
from store.sessions import Verdict, check_cookie, cookie_value, credential_fingerprint, new_session

SECRET = b"k" * 40
NOW = 1_800_000_000.0
FP = credential_fingerprint("$argon2id$v=19$m=65536,t=3,p=4$salt$hash")


def _cookie(name: str = "victor", hours: float = 8, now: float = NOW, secret: bytes = SECRET, fp: str = FP) -> str:
    return cookie_value(secret, new_session(name, now=now, hours=hours), fp)


def test_cookie_carries_only_name_and_expiry():
    value = _cookie("王芳")
    version, name, expires, mac = value.split(".")
    assert version == "v1" and sessions.cookie_name_of(value) == "王芳"
    assert int(expires) == int(NOW + 8 * 3600)
    assert len(mac) == 43  # HMAC-SHA256, base64url without padding
    assert all(ch.isalnum() or ch in "-_." for ch in value)  # nothing a cookie needs quoted


def test_genuine_cookie_is_valid_until_it_expires():
    value = _cookie()
    expected = (Verdict.VALID, sessions.Session("victor", int(NOW + 8 * 3600)))
    assert check_cookie(SECRET, value, FP, now=NOW + 60, hours=8) == expected
    assert check_cookie(SECRET, value, FP, now=NOW + 8 * 3600, hours=8)[0] is Verdict.EXPIRED
    assert check_cookie(SECRET, value, FP, now=NOW + 9 * 3600, hours=8) == (Verdict.EXPIRED, None)


def test_shorter_session_hours_apply_to_cookies_already_issued():
    value = _cookie(hours=8)
    assert check_cookie(SECRET, value, FP, now=NOW + 60, hours=1)[0] is Verdict.EXPIRED


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: v.replace(sessions._b64("victor".encode()), sessions._b64("alice".encode())),  # another user
        lambda v: v.replace(v.split(".")[2], str(int(v.split(".")[2]) + 86400)),  # a later expiry
        lambda v: v[:-2] + ("AA" if not v.endswith("AA") else "BB"),  # a forged signature
        lambda v: v.rsplit(".", 1)[0],  # no signature
        lambda v: "v2" + v[2:],  # an unknown version
        lambda v: "",  # empty
        lambda v: "v1.%%%.1.x",  # garbage
    ],
)
def test_tampered_cookie_is_invalid(tamper):
    value = tamper(_cookie())
    assert check_cookie(SECRET, value, FP, now=NOW + 60, hours=8) == (Verdict.INVALID, None)


def test_cookie_from_another_secret_or_old_password_is_invalid():
    value = _cookie()
    assert check_cookie(b"x" * 40, value, FP, now=NOW + 60, hours=8)[0] is Verdict.INVALID
    new_password = credential_fingerprint("$argon2id$new")
    assert check_cookie(SECRET, value, new_password, now=NOW + 60, hours=8)[0] is Verdict.INVALID
    assert check_cookie(SECRET, value, None, now=NOW + 60, hours=8)[0] is Verdict.INVALID  # user removed


def test_an_expired_cookie_is_reported_expired_only_when_genuine():
    forged = _cookie(now=NOW - 10 * 3600, secret=b"x" * 40)
    assert check_cookie(SECRET, forged, FP, now=NOW, hours=8)[0] is Verdict.INVALID


def test_ticket_is_single_use_purpose_bound_and_short_lived():
    ticket = sessions.issue_ticket(SECRET, "in", "victor", now=NOW)
    assert sessions.redeem_ticket(SECRET, "out", ticket, now=NOW) is None  # a sign-in ticket cannot sign out
    assert sessions.redeem_ticket(SECRET, "in", ticket, now=NOW + 1) == "victor"
    assert sessions.redeem_ticket(SECRET, "in", ticket, now=NOW + 2) is None  # used
    late = sessions.issue_ticket(SECRET, "in", "victor", now=NOW)
    assert sessions.redeem_ticket(SECRET, "in", late, now=NOW + sessions.TICKET_SECONDS + 1) is None
    other = sessions.issue_ticket(b"x" * 40, "in", "victor", now=NOW)
    assert sessions.redeem_ticket(SECRET, "in", other, now=NOW) is None
    assert sessions.redeem_ticket(SECRET, "in", "in.a.b.c.d", now=NOW) is None
    # a ticket's signature never passes for a cookie's
    parts = sessions.issue_ticket(SECRET, "in", "victor", now=NOW).split(".")
    assert check_cookie(SECRET, f"v1.{parts[1]}.{parts[2]}.{parts[4]}", FP, now=NOW, hours=8)[0] is Verdict.INVALID


def test_secret_file_is_made_once_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv(sessions.SECRET_ENV, raising=False)
    users = tmp_path / "conf" / "users.toml"
    first = sessions.load_secret(users)
    path = sessions.secret_path(users)
    assert path.name == "users.toml.secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= sessions.MIN_SECRET_CHARS
    assert sessions.load_secret(users) == first  # the same secret on every later call (and every server)
    assert [p.name for p in path.parent.iterdir()] == ["users.toml.secret"]  # no temporary file left
    os.chmod(path, 0o644)
    with pytest.raises(StoreError, match="chmod 600"):
        sessions.load_secret(users)


def test_secret_from_environment_must_be_long(monkeypatch, tmp_path):
    monkeypatch.setenv(sessions.SECRET_ENV, "s" * 40)
    assert sessions.load_secret(None) == b"s" * 40
    assert not sessions.secret_path(tmp_path / "users.toml").exists()
    monkeypatch.setenv(sessions.SECRET_ENV, "short")
    with pytest.raises(StoreError, match="too short"):
        sessions.load_secret(tmp_path / "users.toml")


@pytest.mark.parametrize(("text", "hours"), [("", 8.0), ("1.5", 1.5), ("720", 720.0)])
def test_session_hours_setting(monkeypatch, text, hours):
    monkeypatch.setenv(sessions.HOURS_ENV, text)
    assert sessions.session_hours() == hours


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "eight", "721"])
def test_session_hours_refuses_nonsense(monkeypatch, text):
    monkeypatch.setenv(sessions.HOURS_ENV, text)
    with pytest.raises(StoreError, match="GOV_SESSION_HOURS"):
        sessions.session_hours()
