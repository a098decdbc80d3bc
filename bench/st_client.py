"""A headless Streamlit session over the server's own websocket protocol, for load and fault tests.

A browser is the real client, but N browsers on two cores measure the browsers. This speaks the
protocol the browser speaks (`/_stcore/stream`, binary protobufs): it sends `BackMsg.rerun_script`
with the query string, page and widget states a browser would send, and times the run until the
server's `ForwardMsg.script_finished`. Exceptions the page shows (`Element.exception`) are
collected, so a test can assert that no session saw one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus
# a run that ends because the script asked for another run (st.rerun, a page_guard switch) is
# followed by that run: only these end what the user waits for
_DONE = {FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_WITH_COMPILE_ERROR}


class SessionHung(TimeoutError):
    """The server did not finish a run within the deadline."""


@dataclass
class Widget:
    """A widget the server drew: its id, element type and, for choice widgets, the option labels."""

    id: str
    kind: str
    options: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The user key Streamlit appends to a generated id ($$ID-<hash>-<key>), or ''."""
        parts = self.id.split("-", 2)
        return parts[2] if len(parts) == 3 else ""


@dataclass
class Run:
    """One script run as the client saw it."""

    seconds: float
    exceptions: list[str]
    elements: int
    bytes: int
    page_not_found: bool = False
    texts: list[str] = field(default_factory=list)  # markdown, captions and headings, as drawn
    texts: list[str] = field(default_factory=list)  # headings, markdown and captions, in order

    def shows(self, text: str) -> bool:
        return any(text in t for t in self.texts)


class StreamlitSession:
    """One browser tab's worth of protocol: connect, then run pages and change widgets."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, headers: dict[str, str] | None = None) -> None:
        self.ws_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timeout = timeout
        self.headers = dict(headers or {})  # sent with the websocket handshake (a cookie, a proxy's header)
        self._ws: Any = None
        self.pages: dict[str, str] = {}          # url_pathname -> page_script_hash
        self.page_hash = ""
        self.widgets: dict[str, Widget] = {}     # id -> widget, as drawn in the latest run
        self._states: dict[str, WidgetState] = {}
        # As a browser does: large elements the server marks cacheable are kept by hash and named in
        # the next rerun request, so the server sends a reference instead of the element again.
        self._cache: dict[str, ForwardMsg] = {}

    async def __aenter__(self) -> StreamlitSession:
        self._ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout,
            ping_interval=None, additional_headers=self.headers or None,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    # ---- runs -------------------------------------------------------------------------------
    async def run(self, *, page: str | None = None, query: str = "",
                  widget_states: Iterable[WidgetState] = ()) -> Run:
        """Rerun the app as a browser would: on `page` (url path, '' = default) with `query` and the
        widget values this session holds (plus `widget_states`, which win)."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        if page is not None:
            cs.page_script_hash = self.pages.get(page, "")
            cs.page_name = page
        else:
            cs.page_script_hash = self.page_hash
        for ws in widget_states:
            self._states[ws.id] = ws
        cs.widget_states.widgets.extend(self._states.values())
        cs.cached_message_hashes.extend(self._cache)
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        try:
            return await asyncio.wait_for(self._collect(started), timeout=self.timeout)
        except TimeoutError as exc:
            raise SessionHung(f"no script_finished within {self.timeout:.0f} s") from exc

    async def _collect(self, started: float) -> Run:
        exceptions: list[str] = []
        texts: list[str] = []
        elements = size = 0
        not_found = False
        widgets: dict[str, Widget] = {}
        texts: list[str] = []
        while True:
            raw = await self._ws.recv()
            size += len(raw)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            if fm.WhichOneof("type") == "ref_hash":
                fm = self._cache.get(fm.ref_hash, fm)
            elif fm.metadata.cacheable and fm.hash:
                self._cache[fm.hash] = fm
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                widgets = {}
                exceptions = []
                texts = []
                texts = []
                for p in fm.new_session.app_pages:
                    self.pages[p.url_pathname] = p.page_script_hash
                if fm.new_session.page_script_hash:
                    self.page_hash = fm.new_session.page_script_hash
            elif kind == "navigation":
                for p in fm.navigation.app_pages:
                    self.pages[p.url_pathname] = p.page_script_hash
                if fm.navigation.page_script_hash:
                    self.page_hash = fm.navigation.page_script_hash
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                elements += 1
                el = fm.delta.new_element
                etype = el.WhichOneof("type")
                if etype == "exception":
                    exceptions.append(f"{el.exception.type}: {el.exception.message}")
                elif etype in ("markdown", "heading"):
                    texts.append(getattr(el, etype).body)
                elif etype in ("heading", "markdown"):
                    texts.append(getattr(el, etype).body)
                elif etype is not None:
                    inner = getattr(el, etype)
                    wid = getattr(inner, "id", "") if hasattr(inner, "id") else ""
                    if wid:
                        opts = list(getattr(inner, "options", []) or [])
                        widgets[wid] = Widget(wid, etype, [str(o) for o in opts])
            elif kind == "page_not_found":
                not_found = True
            elif kind == "script_finished" and fm.script_finished in _DONE:
                self.widgets = widgets
                return Run(time.perf_counter() - started, exceptions, elements, size, not_found, texts)

    # ---- widgets ----------------------------------------------------------------------------
    def widget(self, key: str) -> Widget:
        """The widget drawn in the latest run whose user key is `key`."""
        for w in self.widgets.values():
            if w.key == key:
                return w
        raise KeyError(f"no widget with key {key!r} in the last run (have: {sorted(w.key for w in self.widgets.values())})")

    async def choose(self, key: str, label: str, *, page: str | None = None) -> Run:
        """Pick an option of a selectbox by its label, as a user does in the browser."""
        w = self.widget(key)
        if label not in w.options:
            raise ValueError(f"{label!r} is not an option of {key!r}: {w.options}")
        state = WidgetState(id=w.id, string_value=label)
        return await self.run(page=page, widget_states=[state])
