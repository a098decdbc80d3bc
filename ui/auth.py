"""Who is using the dashboard: sign-in (password, intranet sign-on proxy, OpenID Connect), sessions, the role gate.

Four modes, decided on the server for every run:
- `[auth]` in .streamlit/secrets.toml: OpenID Connect via st.login; the e-mail maps to a role in the users file.
- GOV_TRUSTED_USER_HEADER: the intranet's reverse proxy signs people in and names them in that header;
  it is believed only from an address in GOV_TRUSTED_PROXIES (store.peers says exactly when).
  The name (or e-mail) maps to a role in the users file; an unknown name gets no access.
  A connection that is not vouched for falls back to the password form.
- GOV_USERS names an existing users file: a small sign-in form; argon2 hashes checked by store.access.
- none of these: local single-user mode, acting as administrator, and every page says so in the sidebar.

Whoever signs in, the actor is re-derived from the users file on every run (a removed or demoted user
loses rights at once); the store checks the role again inside every write action.

How a password sign-in outlives a reload or a new tab (Streamlit 1.67, checked in its source and issues):
- st.login keeps its own identity cookie (`_streamlit_user`, HttpOnly, SameSite=Lax, 30 days), but only
  its OpenID Connect callback writes it; password and proxy sign-ins cannot use it.
- st.context.cookies reads the cookies of the websocket handshake (so every page load), read-only.
  Streamlit has no API that writes a cookie from a script (streamlit/streamlit#861, #14730 still open):
  the script talks to the browser over a websocket, where no Set-Cookie can travel.
- Streamlit now serves through starlette/uvicorn, and st.App (1.53+) adds routes to that server;
  `streamlit run serve.py` finds the st.App in serve.py and serves app.py with them.
- Other ways considered: cookie managers that write document.cookie from a component (the cookie is
  then readable by any script in the page, never HttpOnly, and needs a frontend bundle outside our
  control); keeping sessions in server memory (lost on restart, per server, and it still needs a cookie
  to find them again).
So the least custom way that keeps the cookie out of JavaScript: two tiny routes on Streamlit's own
server (ui/auth_routes.py) set and clear an HttpOnly, SameSite=Lax cookie, signed with HMAC-SHA256 under a
server secret outside the repository, carrying only the user name and an expiry (store/sessions.py). A
sign-in hands over to the route through a one-time ticket in an invisible image; a reload or a new tab
sends the cookie in the websocket handshake, and every run checks it again against the users file.
Served as `streamlit run app.py` (no routes) a sign-in lasts for its tab only, as before.

Library choice: streamlit-authenticator 0.4.2 was tried against Streamlit 1.67 and not taken. Its form
logs in under AppTest, but every run prints a PyJWT decode error for its cookie, the session cookie
needs extra-streamlit-components' iframe component (a frontend bundle outside our control), it pulls
in captcha, Pillow and PyJWT, keeps credentials in its own YAML shape and has had no release since
March 2025. Instead: argon2-cffi (argon2id hashes, maintained) behind a small st.form.
"""

from __future__ import annotations

import html
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import streamlit as st

from store.access import (
    THROTTLE, Actor, AuthEvent, Permission, User, actor_for_email, actor_for_name_or_email, auth_events,
    authenticate, load_users, local_admin, record_auth_event, users_path,
)
from store.db import StoreError
from store.peers import HEADER_ENV, HeaderVerdict, Request, client_address, proxy_user, trusted_header, trusted_proxies
from store.sessions import (
    COOKIE_NAME, Verdict, check_cookie, cookie_name_of, credential_fingerprint, issue_ticket, load_secret,
    session_hours,
)
from ui import auth_routes
from ui.i18n import t
from ui.shell import _state as _shell_state

AUTH_KEY = "_gov_auth"  # the user name signed in in this tab; no widget has this key, so no browser message can set it
_UNTIL = "_gov_auth_until"  # when that sign-in ends (Unix seconds)
_SIGNED_OUT = "_gov_signed_out"  # this tab signed out: the cookie its handshake carried no longer counts
_PIXEL = "_gov_pixel"  # a route address the browser is to fetch once (sets or clears the cookie)
_LOGIN_ERROR = "_gov_auth_error"  # (message key, format arguments) shown once under the form
_WARNED = "_gov_header_warned"
_EXPIRED = "_gov_expired"  # this tab's sign-in ran out: the sign-in form says so until the next sign-in
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """Who this run acts for, how they were recognised, and what to tell someone who is not signed in."""

    actor: Actor | None
    via: Literal["local", "oidc", "proxy", "password", "cookie", ""] = ""
    notice: tuple[str, dict[str, Any]] | None = None
    address: str = ""


def oidc_configured() -> bool:
    """True when the app has an `[auth]` section in its secrets (OpenID Connect through st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_provider() -> str | None:
    """None for a single provider configured in [auth] itself; else the first [auth.NAME] provider."""
    try:
        section: Any = st.secrets["auth"]
        if "client_id" in section:
            return None
        names = [k for k in section if hasattr(section[k], "keys")]
        return names[0] if names else None
    except Exception:
        return None


def _users() -> dict[str, User] | None:
    """The users file's users; None when no users file is configured (single-user mode)."""
    path = users_path()
    if path is None or not path.is_file():
        return None
    return load_users(path)


def single_user_mode() -> bool:
    return not oidc_configured() and _users() is None


def _request() -> Request:
    """This session's connection as the server saw it at the websocket handshake (headers, cookies, peer).

    st.context.headers and st.context.cookies read the same client context; its raw remote_ip is read
    here because st.context.ip_address reports a loopback peer (a proxy on the same machine) as None.
    """
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return Request()
    client = runtime.get_instance().get_client(ctx.session_id)
    context = getattr(client, "client_context", None)
    try:
        headers = tuple((str(k), str(v)) for k, v in context.headers)
        cookies = {str(k): str(v) for k, v in dict(context.cookies).items()}
    except (AttributeError, TypeError, ValueError):  # no real connection (AppTest's stand-in runtime)
        return Request()
    remote_ip = context.remote_ip
    return Request(headers, cookies, remote_ip if isinstance(remote_ip, str) else None)


def _expired_notice() -> tuple[str, dict[str, Any]]:
    return ("access.login.expired", {})


def _password_identity(users: dict[str, User], request: Request, address: str) -> Identity:
    now = time.time()
    name = st.session_state.get(AUTH_KEY)
    if isinstance(name, str):
        until = st.session_state.get(_UNTIL)
        user = users.get(name)
        if user is not None and (until is None or until > now):
            return Identity(Actor(user.name, user.role), "password", address=address)
        st.session_state.pop(AUTH_KEY, None)  # removed from the users file, or the time is up
        st.session_state.pop(_UNTIL, None)
        if user is not None:
            st.session_state[_EXPIRED] = True  # identify() runs several times a run: remember it for the form
    if st.session_state.get(_EXPIRED):
        return Identity(None, notice=_expired_notice(), address=address)
    value = request.cookies.get(COOKIE_NAME)
    if not value or st.session_state.get(_SIGNED_OUT):
        return Identity(None, address=address)
    claimed = users.get(cookie_name_of(value) or "")
    verdict, session = check_cookie(
        load_secret(users_path()), value, credential_fingerprint(claimed.password_hash) if claimed else None,
        now=now, hours=session_hours(),
    )
    if verdict is Verdict.VALID and claimed is not None and session is not None:
        return Identity(Actor(claimed.name, claimed.role), "cookie", address=address)
    return Identity(None, notice=_expired_notice() if verdict is Verdict.EXPIRED else None, address=address)


def identify() -> Identity:
    """Who acts in this run. Raises StoreError for a settings problem (users file, proxies, secret)."""
    if oidc_configured():
        if not st.user.get("is_logged_in"):
            return Identity(None, "oidc")
        issued = st.user.get("iat")
        if isinstance(issued, (int, float)) and time.time() - issued > session_hours() * 3600:
            return Identity(None, "oidc", _expired_notice())
        return Identity(actor_for_email(_users() or {}, st.user.get("email")), "oidc")
    users = _users()
    header = trusted_header()
    if users is None:
        if header:  # a sign-on proxy's users need roles: without a users file, refuse rather than act as admin
            raise StoreError(f"{HEADER_ENV} is set, but GOV_USERS names no users file to take roles from")
        return Identity(local_admin(), "local")
    request = _request()
    proxies = trusted_proxies()
    address = client_address(request, proxies)
    verdict, proxied = proxy_user(request, header, proxies)
    if verdict is HeaderVerdict.HONOURED:
        actor = actor_for_name_or_email(users, proxied)
        notice = None if actor else ("access.login.proxy_unmapped", {"name": proxied})
        return Identity(actor, "proxy", notice, address)
    if verdict is HeaderVerdict.IGNORED and not st.session_state.get(_WARNED):
        st.session_state[_WARNED] = True
        _LOG.warning("ignored %s header from %s (peer %s): not a listed proxy (%s)", header, address,
                     request.remote_ip, "GOV_TRUSTED_PROXIES")
    return _password_identity(users, request, address)


def current_actor() -> Actor | None:
    """Who acts in this session, or None when nobody is signed in (or the account has no role)."""
    return identify().actor


def _role_label(actor: Actor | None) -> str:
    return t(f"access.role.{actor.role.value}") if actor else "—"


def _sidebar(identity: Identity) -> None:
    actor = identity.actor
    assert actor is not None
    if identity.via == "local":
        st.sidebar.caption(":material/info: " + t("access.single_user"))
        return
    st.sidebar.caption(":material/person: " + t("access.signed_in", name=actor.name, role=_role_label(actor)))
    if identity.via == "proxy":
        st.sidebar.caption(t("access.signed_in_proxy"))  # signing out is the sign-on portal's business
        return
    st.sidebar.button(t("access.logout"), key="access_logout", on_click=_logout)


def _ticket_url(purpose: Literal["in", "out"], name: str) -> str | None:
    """The route address that sets (in) or clears (out) the cookie; None when this server has no routes."""
    if not auth_routes.mounted():
        return None
    path = "session" if purpose == "in" else "signout"
    return f"{auth_routes.PREFIX}/{path}?t={issue_ticket(load_secret(users_path()), purpose, name)}"


def _pixel() -> None:
    """Have the browser fetch a pending route address once; its response sets or clears the cookie."""
    url = st.session_state.pop(_PIXEL, None)
    if url:
        st.sidebar.html(f'<img alt="" src="{html.escape(url)}" width="1" height="1" style="display:none">')


# Sign-in and sign-out act in widget callbacks: they run before the next script run, whichever script
# that is, so a click is never lost to a rerun.
def _logout() -> None:
    name = st.session_state.pop(AUTH_KEY, None) or (current_actor() or local_admin()).name
    st.session_state.pop(_UNTIL, None)
    st.session_state[_SIGNED_OUT] = True
    try:
        url = _ticket_url("out", str(name))
    except StoreError as exc:
        _LOG.warning("sign-out could not clear the cookie: %s", exc)
        url = None
    if url:
        st.session_state[_PIXEL] = url
    if oidc_configured():
        st.logout()


def _audit(event: AuthEvent, name: str, address: str) -> None:
    """Log a sign-in or a failed one; a store that cannot be written must not decide who signs in."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from ui.context import get_db

    try:
        record_auth_event(get_db(), event, name, address)
    except (StoreError, StopException) as exc:
        _LOG.warning("sign-in log not written (%s %s from %s): %s", event, name, address, exc)


def _submit_login() -> None:
    name = str(st.session_state.get("access_login_user") or "").strip()
    password = str(st.session_state.get("access_login_password") or "")
    st.session_state["access_login_password"] = ""  # the password does not outlive this callback
    try:
        users = _users() or {}
        address = client_address(_request(), trusted_proxies())
        hours = session_hours()
    except StoreError as exc:
        st.session_state[_LOGIN_ERROR] = ("access.users_error", {"detail": str(exc)})
        return
    wait = THROTTLE.wait(name, address)
    if wait > 0:  # not even checked: the delay is what makes guessing slow
        st.session_state[_LOGIN_ERROR] = ("access.login.throttled", {"seconds": math.ceil(wait)})
        return
    actor = authenticate(users, name, password)
    if actor is None:
        THROTTLE.failed(name, address)
        _audit(AuthEvent.FAILED, name, address)
        st.session_state[_LOGIN_ERROR] = ("access.login.failed", {})
        return
    try:
        url = _ticket_url("in", actor.name)
    except StoreError as exc:  # no secret: refuse rather than hand out a sign-in that cannot be checked later
        st.session_state[_LOGIN_ERROR] = ("access.users_error", {"detail": str(exc)})
        return
    THROTTLE.succeeded(name, address)
    _audit(AuthEvent.SIGNED_IN, actor.name, address)
    st.session_state.pop(_LOGIN_ERROR, None)
    st.session_state.pop(_SIGNED_OUT, None)
    st.session_state.pop(_EXPIRED, None)
    st.session_state[AUTH_KEY] = actor.name
    st.session_state[_UNTIL] = time.time() + hours * 3600
    if url:
        st.session_state[_PIXEL] = url


def _notice(identity: Identity) -> None:
    if identity.notice:
        key, fmt = identity.notice
        st.info(t(key, **fmt), icon=":material/schedule:" if key == "access.login.expired" else ":material/info:")


def _password_form(identity: Identity) -> None:
    st.title(t("access.login.title"))
    st.caption(t("access.login.intro"))
    _notice(identity)
    with st.form("access_login"):
        st.text_input(t("access.login.user"), key="access_login_user")
        st.text_input(t("access.login.password"), type="password", key="access_login_password")
        st.form_submit_button(t("access.login.submit"), type="primary", on_click=_submit_login)
    error = st.session_state.pop(_LOGIN_ERROR, None)
    if error:
        key, fmt = error
        st.error(t(key, **fmt))


def _proxy_refusal(identity: Identity) -> None:
    st.title(t("access.login.title"))
    key, fmt = identity.notice or ("access.login.proxy_unmapped", {"name": "?"})
    st.error(t(key, **fmt), icon=":material/block:")


def _oidc_screen(identity: Identity) -> None:
    st.title(t("access.login.title"))
    expired = identity.notice is not None
    if st.user.get("is_logged_in") and not expired:  # signed in at the identity provider, but no role here
        st.error(t("access.login.oidc_unmapped", email=str(st.user.get("email") or "?")))
        st.button(t("access.logout"), key="access_logout", on_click=_logout)
        return
    _notice(identity)
    st.caption(t("access.login.oidc_intro"))
    provider = _oidc_provider()
    if st.button(t("access.login.oidc_button"), type="primary", key="access_oidc_login"):
        st.login(provider) if provider else st.login()


def nav_position() -> str:
    """Where app.py puts the page list: hidden until someone is signed in (the URL's page is kept for after)."""
    try:
        return "sidebar" if current_actor() is not None else "hidden"
    except StoreError:
        return "hidden"


def page_visibility(permission: Permission) -> Literal["visible", "hidden"]:
    """For st.Page(visibility=...): a page whose permission the actor lacks is not listed. Reached by its
    URL it still runs, and refuses on the server (require_permission), saying why."""
    try:
        actor = current_actor()
    except StoreError:
        actor = None
    return "visible" if actor is not None and actor.can(permission) else "hidden"


def gate() -> Actor:
    """Called by app.py on every run: the signed-in actor, or a sign-in screen and st.stop()."""
    try:
        identity = identify()
    except StoreError as exc:
        st.error(t("access.users_error", detail=str(exc)))
        st.stop()
    _pixel()
    if identity.actor is not None:
        _sidebar(identity)
        return identity.actor
    if identity.via == "oidc":
        _oidc_screen(identity)
    elif identity.via == "proxy":
        _proxy_refusal(identity)
    else:
        _password_form(identity)
    st.stop()


def _served_by_app() -> bool:
    """True when the main script is the app (not this page run on its own, as a test may do)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and Path(ctx.main_script_path).parent.name != "pages"


def require_permission(permission: Permission, denied_key: str = "access.denied.import") -> Actor:
    """For a page: the actor if its role has the permission; otherwise a refusal and st.stop()."""
    if not getattr(_shell_state, "active", False) and _served_by_app():
        # Streamlit ran this page without app.py (its pages/ relic, see ui.shell): hand over to app.py,
        # whose gate shows the sign-in, then returns to this URL.
        from ui.shell import page_guard

        page_guard()
    try:
        identity = identify()
    except StoreError:
        identity = Identity(None)
    actor = identity.actor
    if actor is not None and not getattr(_shell_state, "active", False):
        _sidebar(identity)  # the page runs without app.py (Streamlit's pages/ relic, see ui.shell): still say who acts
    if actor is None or not actor.can(permission):
        st.error(t(denied_key, role=_role_label(actor)), icon=":material/block:")
        st.stop()
    return actor


# ---- the sign-in log, for administrators (a section at the end of the import page) ---------------------
def sign_in_log(actor: Actor, limit: int = 200) -> None:
    """The latest sign-ins and failed sign-ins (time, user name as typed, address); administrators only."""
    if not actor.can(Permission.MANAGE_USERS):
        return
    import polars as pl

    from ui.context import get_db

    st.divider()
    st.subheader(t("access.log.title"))
    st.caption(t("access.log.help"))
    events = auth_events(get_db(), limit)
    if events.height == 0:
        st.info(t("access.log.empty"))
        return
    labels = {e.value: t(f"access.log.event.{e.value}") for e in AuthEvent}
    shown = events.select(
        pl.col("logged_at").alias(t("access.log.col.when")),
        pl.col("event").replace_strict(labels, default=pl.col("event")).alias(t("access.log.col.event")),
        pl.col("user_name").alias(t("access.log.col.user")),
        pl.when(pl.col("address") == "").then(pl.lit("—")).otherwise(pl.col("address"))
        .alias(t("access.log.col.address")),
    )
    st.dataframe(shown, hide_index=True, placeholder="—", width="stretch")
