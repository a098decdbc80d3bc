"""Who is using the dashboard: log-in (a password form, or OpenID Connect through st.login), the role gate, the mode notice.

Three modes, decided on the server for every run:
- `[auth]` in .streamlit/secrets.toml: OpenID Connect via st.login; the e-mail maps to a role in the users file.
- GOV_USERS names an existing users file: a small log-in form; argon2 hashes checked by store.access.
- neither: local single-user mode, acting as administrator, and every page says so in the sidebar.

The actor is re-derived from the users file on every run (a removed or demoted user loses rights at
once); the store checks the role again inside every write action, so a page is never the only guard.

Library choice: streamlit-authenticator 0.4.2 was tried against Streamlit 1.67 and not taken. Its form
logs in under AppTest, but every run prints a PyJWT decode error for its cookie, the session cookie
needs extra-streamlit-components' iframe component (a frontend bundle outside our control), it pulls
in captcha, Pillow and PyJWT, keeps credentials in its own YAML shape and has had no release since
March 2025. Instead: argon2-cffi (argon2id hashes, maintained) behind a small st.form, with the
identity in st.session_state, which only server code can set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from store.access import (
    THROTTLE, Actor, Permission, User, actor_for_email, authenticate, load_users, local_admin, users_path,
)
from store.db import StoreError
from ui.i18n import t
from ui.shell import _state as _shell_state

AUTH_KEY = "_gov_auth"  # the signed-in user name; no widget has this key, so no browser message can set it
_LOGIN_ERROR = "_gov_auth_error"


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


def current_actor() -> Actor | None:
    """Who acts in this session, or None when nobody is signed in (or the account has no role)."""
    if oidc_configured():
        if not st.user.get("is_logged_in"):
            return None
        return actor_for_email(_users() or {}, st.user.get("email"))
    users = _users()
    if users is None:
        return local_admin()
    name = st.session_state.get(AUTH_KEY)
    user = users.get(name) if isinstance(name, str) else None
    return Actor(user.name, user.role) if user else None


def _role_label(actor: Actor | None) -> str:
    return t(f"access.role.{actor.role.value}") if actor else "—"


def _sidebar(actor: Actor) -> None:
    if single_user_mode():
        st.sidebar.caption(":material/info: " + t("access.single_user"))
        return
    st.sidebar.caption(":material/person: " + t("access.signed_in", name=actor.name, role=_role_label(actor)))
    st.sidebar.button(t("access.logout"), key="access_logout", on_click=_logout)


# Log-in and log-out act in widget callbacks: they run before the next script run, whichever script
# that is, so a click is never lost to a rerun.
def _logout() -> None:
    st.session_state.pop(AUTH_KEY, None)
    if oidc_configured():
        st.logout()


def _submit_login() -> None:
    name = str(st.session_state.get("access_login_user") or "").strip()
    password = str(st.session_state.get("access_login_password") or "")
    st.session_state["access_login_password"] = ""  # the password does not outlive this callback
    if THROTTLE.blocked(name):
        st.session_state[_LOGIN_ERROR] = "access.login.throttled"
        return
    actor = authenticate(_users() or {}, name, password)
    if actor is None:
        THROTTLE.failed(name)
        st.session_state[_LOGIN_ERROR] = "access.login.failed"
        return
    THROTTLE.succeeded(name)
    st.session_state.pop(_LOGIN_ERROR, None)
    st.session_state[AUTH_KEY] = actor.name


def _password_form() -> None:
    st.title(t("access.login.title"))
    st.caption(t("access.login.intro"))
    with st.form("access_login"):
        st.text_input(t("access.login.user"), key="access_login_user")
        st.text_input(t("access.login.password"), type="password", key="access_login_password")
        st.form_submit_button(t("access.login.submit"), type="primary", on_click=_submit_login)
    error = st.session_state.pop(_LOGIN_ERROR, None)
    if error:
        st.error(t(error))


def _oidc_screen() -> None:
    st.title(t("access.login.title"))
    if st.user.get("is_logged_in"):  # signed in at the identity provider, but no role here
        st.error(t("access.login.oidc_unmapped", email=str(st.user.get("email") or "?")))
        st.button(t("access.logout"), key="access_logout", on_click=_logout)
        return
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


def gate() -> Actor:
    """Called by app.py on every run: the signed-in actor, or a log-in screen and st.stop()."""
    try:
        actor = current_actor()
    except StoreError as exc:
        st.error(t("access.users_error", detail=str(exc)))
        st.stop()
    if actor is not None:
        _sidebar(actor)
        return actor
    if oidc_configured():
        _oidc_screen()
    else:
        _password_form()
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
        # whose gate shows the log-in, then returns to this URL.
        from ui.shell import page_guard

        page_guard()
    try:
        actor = current_actor()
    except StoreError:
        actor = None
    if actor is not None and not getattr(_shell_state, "active", False):
        _sidebar(actor)  # the page runs without app.py (Streamlit's pages/ relic, see ui.shell): still say who acts
    if actor is None or not actor.can(permission):
        st.error(t(denied_key, role=_role_label(actor)), icon=":material/block:")
        st.stop()
    return actor
