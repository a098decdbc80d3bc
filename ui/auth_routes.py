"""The HTTP routes serve.py adds to Streamlit's server: a one-time ticket in, the signed session cookie out.

A Streamlit script cannot set a cookie: it talks to the browser over a websocket. So after a sign-in the
page shows an invisible image whose address carries a one-time ticket; the browser fetches it from
/_gov/session, and that HTTP response sets the cookie (HttpOnly, SameSite=Lax). Sign-out does the same
through /_gov/signout. Both answer 204 with no body; a bad ticket gets 403 and sets nothing.
"""

from __future__ import annotations

import logging
import os
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from store.access import load_users, users_path
from store.db import StoreError
from store.sessions import (
    COOKIE_NAME, cookie_value, credential_fingerprint, load_secret, new_session, redeem_ticket, session_hours,
)

PREFIX = "/_gov"
SECURE_ENV = "GOV_COOKIE_SECURE"
_LOG = logging.getLogger(__name__)
_mounted = False


def mounted() -> bool:
    """True in a server started from serve.py (the routes exist); False under `streamlit run app.py`."""
    return _mounted


def routes() -> list[Route]:
    """For st.App(routes=...): builds the routes and notes that this process serves them."""
    global _mounted
    _mounted = True
    return [
        Route(f"{PREFIX}/session", _session, methods=["GET"]),
        Route(f"{PREFIX}/signout", _signout, methods=["GET"]),
    ]


def _secure(request: Request) -> bool:
    # Behind TLS-terminating nginx the scheme reads http unless uvicorn trusts the proxy's
    # X-Forwarded-Proto, so an operator can also say so outright.
    return request.url.scheme == "https" or os.environ.get(SECURE_ENV, "").strip().lower() in ("1", "true", "yes")


def _nothing(status: int) -> Response:
    return Response(status_code=status, headers={"Cache-Control": "no-store"})


def _session(request: Request) -> Response:
    try:
        path = users_path()
        users = load_users(path) if path is not None else {}
        secret = load_secret(path)
        hours = session_hours()
    except StoreError as exc:
        _LOG.warning("session cookie not set: %s", exc)
        return _nothing(500)
    now = time.time()
    name = redeem_ticket(secret, "in", request.query_params.get("t", ""), now=now)
    user = users.get(name) if name is not None else None
    if user is None:
        return _nothing(403)
    session = new_session(user.name, now=now, hours=hours)
    response = _nothing(204)
    response.set_cookie(
        COOKIE_NAME, cookie_value(secret, session, credential_fingerprint(user.password_hash)),
        max_age=int(session.expires - now), path="/", httponly=True, samesite="lax", secure=_secure(request),
    )
    return response


def _signout(request: Request) -> Response:
    try:
        secret = load_secret(users_path())
    except StoreError as exc:
        _LOG.warning("session cookie not cleared: %s", exc)
        return _nothing(500)
    if redeem_ticket(secret, "out", request.query_params.get("t", "")) is None:
        return _nothing(403)  # a ticket, so no other site can sign anyone out with a link
    response = _nothing(204)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response
