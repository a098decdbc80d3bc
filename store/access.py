"""Who may do what: roles, the one permission table, actors, the users file (outside the repo), sign-in delay and log.

Every write action of the store takes an Actor and calls `require` before it touches the database, so
the check holds for the CLI, the pages and any code that calls the store directly; hiding a button is
only a courtesy on top. The users file lives where GOV_USERS points (never inside the repository):

    [users."alice"]
    role = "administrator"
    password_hash = "$argon2id$v=19$..."
    email = "alice@example.gov.cn"      # optional: maps an OpenID Connect login to this user

It is written by `python -m store user add NAME --role ROLE`, never by hand.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from store.db import ROOT, Database, StoreError

if TYPE_CHECKING:
    import polars as pl

USERS_ENV = "GOV_USERS"
LOCAL_USER = "local"
MIN_PASSWORD_LENGTH = 8
NAME_PATTERN = re.compile(r"^[\w.@-]{1,64}$")  # letters (any script), digits, _ . @ -


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"


class Permission(StrEnum):
    VIEW = "view"  # read every page
    VALIDATE = "validate"  # check a roster without writing (import with dry_run=True)
    IMPORT = "import"  # write a dataset
    ROLLBACK = "rollback"  # roll a dataset back
    MANAGE_USERS = "manage_users"  # user settings: add, change, remove users
    BACKUP = "backup"  # back up and restore the database
    PUBLISH = "publish"  # publish a report's reviewed figures, or withdraw them (报告录入)


# The permission table: defined once, here.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.ANALYST: frozenset({Permission.VIEW, Permission.VALIDATE, Permission.PUBLISH}),
    Role.ADMINISTRATOR: frozenset(Permission),
}


class PermissionDenied(StoreError):
    """The actor's role lacks the permission; raised before the database is touched."""

    def __init__(self, actor: Actor, permission: Permission) -> None:
        super().__init__(f"permission denied: {actor.name} ({actor.role}) may not {permission.value}")
        self.actor = actor
        self.permission = permission


@dataclass(frozen=True)
class Actor:
    """Someone acting on the store: a name for the log, and a role for the permission check."""

    name: str
    role: Role

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))  # a plain string role is checked, not trusted

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


def local_admin(name: str = LOCAL_USER) -> Actor:
    """The operator at the machine (CLI, bootstrap, single-user mode): an administrator."""
    return Actor(str(name or LOCAL_USER), Role.ADMINISTRATOR)


def as_actor(who: str | Actor | None) -> Actor:
    """An Actor as given; a plain `who` string is the local operator (CLI, bootstrap) acting as administrator."""
    if isinstance(who, Actor):
        return who
    if isinstance(who, str):
        return local_admin(who)
    raise TypeError(f"expected an Actor or a user name, not {type(who).__name__}")


def require(who: str | Actor | None, permission: Permission) -> Actor:
    """The actor, if its role has the permission; PermissionDenied otherwise."""
    actor = as_actor(who)
    if not actor.can(permission):
        raise PermissionDenied(actor, permission)
    return actor


# ---- the users file -----------------------------------------------------------------------------
@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str | None = None
    email: str | None = None


def users_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The users file: an explicit path, else GOV_USERS; None when neither is set."""
    text = explicit or os.environ.get(USERS_ENV, "").strip()
    return Path(text).expanduser() if text else None


def users_configured() -> bool:
    """False means local single-user mode: GOV_USERS unset, or its file absent."""
    path = users_path()
    return path is not None and path.is_file()


_cache: dict[Path, tuple[tuple[int, int], dict[str, User]]] = {}
_cache_lock = threading.Lock()


def load_users(path: Path) -> dict[str, User]:
    """name -> User, re-read whenever the file changes (a removed user loses access on the next page run)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    key = (st.st_mtime_ns, st.st_size)
    with _cache_lock:
        hit = _cache.get(path)
        if hit and hit[0] == key:
            return hit[1]
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"users file {path} cannot be read: {exc}") from exc
    users: dict[str, User] = {}
    for name, entry in (raw.get("users") or {}).items():
        if not isinstance(entry, dict):
            continue
        try:
            role = Role(str(entry.get("role", "")))
        except ValueError as exc:
            raise StoreError(f"users file {path}: user {name!r} has unknown role {entry.get('role')!r}") from exc
        users[str(name)] = User(str(name), role, entry.get("password_hash") or None, (entry.get("email") or None))
    with _cache_lock:
        _cache[path] = (key, users)
    return users


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # JSON string escapes are valid TOML basic-string escapes


def save_users(path: Path, users: dict[str, User]) -> None:
    """Write the users file atomically, readable by its owner only."""
    lines = [
        "# Users of the grassroots-governance dashboard: role, argon2 password hash, optional e-mail (OIDC).",
        "# Written by `python -m store user add NAME --role ROLE`; do not edit hashes by hand.",
    ]
    for name in sorted(users):
        u = users[name]
        lines += ["", f"[users.{_toml_string(name)}]", f"role = {_toml_string(u.role.value)}"]
        if u.password_hash:
            lines.append(f"password_hash = {_toml_string(u.password_hash)}")
        if u.email:
            lines.append(f"email = {_toml_string(u.email)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".users-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    if not password_hash:
        return False
    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_users_path(path: Path) -> None:
    """Refuse a users file inside the repository: password hashes must never be committed."""
    resolved = path.expanduser().resolve()
    if resolved == ROOT or ROOT in resolved.parents:
        raise StoreError(f"users file {path} is inside the repository {ROOT}; set {USERS_ENV} to a path outside it")


def add_user(path: Path, name: str, role: str | Role, password: str | None, *, email: str | None = None,
             actor: str | Actor | None = None) -> User:
    """Add a user or change one's role/password/e-mail (administrators only)."""
    require(actor if actor is not None else local_admin(), Permission.MANAGE_USERS)
    check_users_path(path)
    if not NAME_PATTERN.match(name or ""):
        raise StoreError(f"user name {name!r} is not allowed: use 1-64 letters, digits, _ . @ -")
    try:
        role = Role(role)
    except ValueError as exc:
        raise StoreError(f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}") from exc
    users = dict(load_users(path)) if path.exists() else {}
    old = users.get(name)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    if password is None and (old is None or not old.password_hash) and not email:
        raise StoreError("a new user needs a password (or an e-mail for OpenID Connect login)")
    new = User(
        name,
        role,
        hash_password(password) if password is not None else (old.password_hash if old else None),
        (email.strip() or None) if email is not None else (old.email if old else None),
    )
    users[name] = new
    save_users(path, users)
    return new


def remove_user(path: Path, name: str, *, actor: str | Actor | None = None) -> bool:
    require(actor if actor is not None else local_admin(), Permission.MANAGE_USERS)
    users = dict(load_users(path))
    if users.pop(name, None) is None:
        return False
    save_users(path, users)
    return True


# ---- log-in -------------------------------------------------------------------------------------
_DUMMY_HASH: list[str] = []


class LoginThrottle:
    """Failed sign-ins slow down the next try for the same user name from the same address, and nobody else.

    The first `free` failures cost nothing; after that each failure doubles the wait before the next try
    from that (name, address) is checked, from `base` up to `cap` seconds. It is a delay, never a lock:
    once it has passed, the right password signs in and clears the count, and the same name from another
    address is never slowed at all, so nobody can keep the administrator out by typing wrong passwords.
    State is per server process, forgotten `forget` seconds after the last failure, and bounded in size.
    """

    def __init__(self, free: int = 4, base: float = 2.0, cap: float = 60.0, forget: float = 900.0,
                 max_keys: int = 10_000, clock=time.monotonic) -> None:
        self.free, self.base, self.cap, self.forget, self.max_keys = free, base, cap, forget, max_keys
        self._clock = clock
        self._fails: dict[tuple[str, str], tuple[int, float]] = {}  # key -> (failures, when the last one was)
        self._lock = threading.Lock()

    @staticmethod
    def _key(name: str, address: str) -> tuple[str, str]:
        return (name.strip().casefold()[:128], address)

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after this many failures in a row."""
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** (failures - self.free))

    def wait(self, name: str, address: str) -> float:
        """Seconds before a try for `name` from `address` is checked; 0 means go ahead."""
        now = self._clock()
        with self._lock:
            entry = self._fails.get(self._key(name, address))
        if entry is None:
            return 0.0
        failures, last = entry
        return max(0.0, last + self.delay_after(failures) - now)

    def failed(self, name: str, address: str) -> float:
        """Count a failure; returns the wait it imposes on the next try."""
        now = self._clock()
        key = self._key(name, address)
        with self._lock:
            failures, last = self._fails.get(key, (0, now))
            if now - last > self.forget:
                failures = 0
            self._fails[key] = (failures + 1, now)
            if len(self._fails) > self.max_keys:
                self._prune(now)
            return self.delay_after(failures + 1)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._fails.pop(self._key(name, address), None)

    def reset(self) -> None:
        with self._lock:
            self._fails.clear()

    def _prune(self, now: float) -> None:
        for key in [k for k, (_, last) in self._fails.items() if now - last > self.forget]:
            del self._fails[key]
        while len(self._fails) > self.max_keys:  # still too many: drop the oldest (dicts keep insertion order)
            del self._fails[next(iter(self._fails))]


THROTTLE = LoginThrottle()


def authenticate(users: dict[str, User], name: str, password: str) -> Actor | None:
    """The Actor for a right name and password; None otherwise (same work either way: no name probing)."""
    user = users.get(name)
    if user is None or not user.password_hash:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password("not a password of anyone"))
        verify_password(_DUMMY_HASH[0], password)
        return None
    return Actor(user.name, user.role) if verify_password(user.password_hash, password) else None


def actor_for_name_or_email(users: dict[str, User], text: str | None) -> Actor | None:
    """The user a single sign-on proxy names: by user name, else by e-mail; None if nobody has it."""
    if not text:
        return None
    user = users.get(text)
    if user is not None:
        return Actor(user.name, user.role)
    return actor_for_email(users, text) if "@" in text else None


def actor_for_email(users: dict[str, User], email: str | None) -> Actor | None:
    """The user an OpenID Connect login maps to, by e-mail (case-insensitive); None if nobody has it."""
    if not email:
        return None
    wanted = email.strip().casefold()
    for user in users.values():
        if user.email and user.email.strip().casefold() == wanted:
            return Actor(user.name, user.role)
    return None


# ---- the sign-in log (administrators read it on the import page) ----------------------------------------
class AuthEvent(StrEnum):
    SIGNED_IN = "signed_in"  # right password
    FAILED = "failed"  # wrong user name or password (checked, so each one has passed the throttle)


def record_auth_event(db: Database, event: AuthEvent, user_name: str, address: str, *, detail: str | None = None,
                      when: datetime | None = None) -> None:
    """One line in the sign-in log beside the store (store/audit.py: not a store write, so no publish)."""
    from store import audit

    audit.append(audit.audit_path(db.path), AuthEvent(event).value, user_name, address, detail=detail, when=when)


def auth_events(db: Database, limit: int = 200) -> pl.DataFrame:
    """The latest sign-in log lines, newest first: one row per event (logged_at, event, user_name, address, detail)."""
    from store import audit

    return audit.latest(audit.audit_path(db.path), limit)
