"""Signed sign-in sessions: the server secret, the session cookie's value, the one-time tickets that set or clear it.

The cookie carries only a user name and an expiry, signed with HMAC-SHA256 under a server secret kept
outside the repository (GOV_SECRET, else a file next to the users file, made on first use, mode 0600).
The signature also covers a fingerprint of the user's password hash, which the cookie does not carry:
changing a password ends every session signed in with the old one. Whoever checks a cookie looks the
user up in the users file first, so a removed user is refused and a demoted one gets the new role.

Tickets are the hand-over from a sign-in (which happens over Streamlit's websocket, where no cookie can
be set) to the HTTP route that sets the cookie: signed, valid for TICKET_SECONDS, usable once per process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from store.db import StoreError

SECRET_ENV = "GOV_SECRET"
HOURS_ENV = "GOV_SESSION_HOURS"
COOKIE_NAME = "gov_session"
DEFAULT_HOURS = 8.0
MAX_HOURS = 24.0 * 30
MIN_SECRET_CHARS = 32
TICKET_SECONDS = 120
_VERSION = "v1"


def session_hours() -> float:
    """How long a sign-in lasts: GOV_SESSION_HOURS (default 8), a number of hours above 0 and at most 720."""
    text = os.environ.get(HOURS_ENV, "").strip()
    if not text:
        return DEFAULT_HOURS
    try:
        hours = float(text)
    except ValueError:
        hours = math.nan
    if not (0 < hours <= MAX_HOURS):  # also refuses nan and inf
        raise StoreError(f"{HOURS_ENV}={text!r} is not a number of hours between 0 and {MAX_HOURS:g}")
    return hours


# ---- the server secret ------------------------------------------------------------------------------
def secret_path(users_file: Path) -> Path:
    """Where the secret is kept when GOV_SECRET is not set: next to the users file, owner-only."""
    return users_file.with_name(users_file.name + ".secret")


_secret_cache: dict[Path, tuple[int, bytes]] = {}
_secret_lock = threading.Lock()


def load_secret(users_file: Path | None) -> bytes:
    """The key that signs cookies and tickets: GOV_SECRET, else the file next to the users file (made on first use)."""
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        if len(env) < MIN_SECRET_CHARS:
            raise StoreError(f"{SECRET_ENV} is too short: use at least {MIN_SECRET_CHARS} random characters")
        return env.encode("utf-8")
    if users_file is None:
        raise StoreError(f"no secret to sign sessions with: set {SECRET_ENV} or GOV_USERS")
    path = secret_path(users_file)
    if not path.exists():
        _create_secret(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise StoreError(f"session secret {path} cannot be read: {exc}") from exc
    if info.st_mode & 0o077:
        raise StoreError(f"session secret {path} is readable by others: chmod 600 {path}")
    with _secret_lock:
        hit = _secret_cache.get(path)
        if hit and hit[0] == info.st_mtime_ns:
            return hit[1]
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_SECRET_CHARS:
        raise StoreError(f"session secret {path} is too short: delete it and a new one is made")
    with _secret_lock:
        _secret_cache[path] = (info.st_mtime_ns, text.encode("ascii"))
    return text.encode("ascii")


def _create_secret(path: Path) -> None:
    """Write a fresh secret under a temporary name, then link it into place: two servers starting at once
    agree on one secret, and nobody ever reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        tmp.unlink(missing_ok=True)


# ---- signing ------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, *parts: str) -> str:
    # The purpose is the first part, so a ticket can never pass for a cookie or the other way round.
    message = "\x1f".join(parts).encode("utf-8")
    return _b64(hmac.new(secret, message, hashlib.sha256).digest())


def credential_fingerprint(password_hash: str | None) -> str:
    """What a session is bound to besides the name: changes whenever the password does."""
    return hashlib.sha256((password_hash or "").encode("utf-8")).hexdigest()


class Verdict(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # genuine, but past its expiry
    INVALID = "invalid"  # malformed, tampered with, signed with another secret, or for another password


@dataclass(frozen=True)
class Session:
    name: str
    expires: int  # Unix seconds


def new_session(name: str, *, now: float, hours: float) -> Session:
    return Session(name, int(now + hours * 3600))


def cookie_value(secret: bytes, session: Session, fingerprint: str) -> str:
    """The cookie's text: version, name, expiry and signature, nothing else."""
    exp = str(session.expires)
    mac = _mac(secret, "session", session.name, exp, fingerprint)
    return ".".join((_VERSION, _b64(session.name.encode("utf-8")), exp, mac))


def cookie_name_of(value: str) -> str | None:
    """The user name a cookie claims (unchecked): used only to look the user up before checking the signature."""
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != _VERSION:
        return None
    try:
        return _unb64(parts[1]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def check_cookie(
    secret: bytes, value: str, fingerprint: str | None, *, now: float, hours: float,
) -> tuple[Verdict, Session | None]:
    """Whether a cookie is genuine and current; `fingerprint` is None when the claimed user does not exist."""
    name = cookie_name_of(value)
    if name is None or fingerprint is None:
        return Verdict.INVALID, None
    _, _, exp_text, mac = value.split(".")
    if not exp_text.isdigit() or len(exp_text) > 12:
        return Verdict.INVALID, None
    if not hmac.compare_digest(mac, _mac(secret, "session", name, exp_text, fingerprint)):
        return Verdict.INVALID, None
    expires = int(exp_text)
    if expires <= now:
        return Verdict.EXPIRED, None
    if expires > now + hours * 3600 + 60:
        # Issued under a longer GOV_SESSION_HOURS than today's: the shorter policy applies at once.
        return Verdict.EXPIRED, None
    return Verdict.VALID, Session(name, expires)


# ---- one-time tickets -----------------------------------------------------------------------------------
_used: dict[str, float] = {}  # nonce -> expiry, this process
_used_lock = threading.Lock()


def issue_ticket(secret: bytes, purpose: str, name: str, *, now: float | None = None) -> str:
    now = time.time() if now is None else now
    exp = str(int(now) + TICKET_SECONDS)
    nonce = secrets.token_urlsafe(12)
    encoded = _b64(name.encode("utf-8"))
    return ".".join((purpose, encoded, exp, nonce, _mac(secret, "ticket", purpose, name, exp, nonce)))


def redeem_ticket(secret: bytes, purpose: str, ticket: str, *, now: float | None = None) -> str | None:
    """The user name a genuine, current, unused ticket for `purpose` names; None otherwise (and it is now used)."""
    now = time.time() if now is None else now
    parts = ticket.split(".")
    if len(parts) != 5 or parts[0] != purpose or not parts[2].isdigit() or len(parts[2]) > 12:
        return None
    _, encoded, exp_text, nonce, mac = parts
    try:
        name = _unb64(encoded).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(mac, _mac(secret, "ticket", purpose, name, exp_text, nonce)):
        return None
    expires = int(exp_text)
    if expires <= now:
        return None
    with _used_lock:
        for old in [n for n, until in _used.items() if until <= now]:
            del _used[old]
        if nonce in _used:
            return None
        _used[nonce] = expires
    return name
