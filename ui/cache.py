"""What every viewer with the same choices shares: view-models per (page, choices, language, data
version), and the figures and decks drawn from each, in bounded memory.

Thirty people at a joint meeting open the same city: the view-model is built by the first and
handed to the rest (a second session asking while the first builds waits for it instead of
building it again). View-models are frozen and shared between threads: nothing may change
one in place. Entries are bounded per page (least recently used go first) and keyed on the
data version, so an import shows at once and the old version's entries age out.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from store.db import db_path
from ui.context import version

T = TypeVar("T")
# A page's distinct (choices, language) in use at once, times two data versions. GOV_VIEW_CACHE_ENTRIES
# changes it; 0 builds every view anew (what bench.load compares against).
MAX_PER_PAGE = int(os.environ.get("GOV_VIEW_CACHE_ENTRIES", "48"))
# What is the same for every viewer whatever they choose (the sidebar's options, display names, the map
# of China beside every overview, a page's pickers) is always shared: these depend on the language, the
# period at most and the data version, so a few entries hold them all. GOV_VIEW_CACHE_ENTRIES=0 then
# measures viewers who all chose different views, not a dashboard that forgot its own menus.
COMMON: frozenset[str] = frozenset({
    "focus", "filters", "names", "overview.china", "compare.options", "sources.options", "present.choices",
})
COMMON_ENTRIES = 32


class SharedCache:
    """A bounded LRU map whose misses are built once even when many threads miss together."""

    def __init__(self, max_entries: int = MAX_PER_PAGE) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:  # another thread may have built it while this one waited
                if key in self._values:
                    self._values.move_to_end(key)
                    self.hits += 1
                    return self._values[key]
            try:
                value = build()
            except BaseException:
                with self._lock:
                    self._building.pop(key, None)
                raise
            with self._lock:  # stored and unmarked at once: a newcomer either finds it or builds it
                self.misses += 1
                if self.max_entries > 0:
                    self._values[key] = value
                    while len(self._values) > self.max_entries:
                        self._values.popitem(last=False)
                self._building.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


_pages: dict[str, SharedCache] = {}
_pages_lock = threading.Lock()


def cache_for(page: str) -> SharedCache:
    with _pages_lock:
        if page not in _pages:
            _pages[page] = SharedCache(COMMON_ENTRIES if page in COMMON else MAX_PER_PAGE)
        return _pages[page]


def shared(page: str, params: tuple, build: Callable[[], T]) -> T:
    """`build()` once per (page, params, store, data version); params must be hashable (tuples, not lists).

    The store's path is part of the key: two stores can have the same data version."""
    return cache_for(page).get((version(), str(db_path()), params), build)


def clear() -> None:
    """Drop every shared view (tests; an import changes the data version, which is enough)."""
    with _pages_lock:
        for c in _pages.values():
            c.clear()


# Figures and decks drawn from a view-model live as long as the view-model does: kept by the
# owner's id, forgotten when the owner is collected (view-models need not be hashable).
_drawn: dict[int, dict[Hashable, Any]] = {}
_drawn_lock = threading.Lock()


def _forget(key: int) -> None:
    with _drawn_lock:
        _drawn.pop(key, None)


def drawn(owner: Any, name: Hashable, draw: Callable[[], T]) -> T:
    """`draw()` once per owner (a view-model or a part of one, by identity) and name.

    Two sessions drawing the same part at once may both draw it; one result is kept."""
    key = id(owner)
    with _drawn_lock:
        got = _drawn.get(key)
        if got is not None and name in got:
            return got[name]
    value = draw()
    with _drawn_lock:
        if key not in _drawn:
            _drawn[key] = {}
            weakref.finalize(owner, _forget, key)
        return _drawn[key].setdefault(name, value)
