"""ui/cache.py: a view is built once however many sessions ask at once, entries are bounded, drawings die with their view."""

from __future__ import annotations

import gc
import threading

from tests.builders import wait_until
from ui import cache


class _CountingMisses(dict):
    """SharedCache._building, counting the threads that missed and now wait for the one that builds."""

    missed = 0

    def setdefault(self, key, default=None):
        self.missed += 1
        return super().setdefault(key, default)


def test_concurrent_misses_build_once_and_all_get_the_same_object():
    shared = cache.SharedCache(max_entries=4)
    shared._building = building = _CountingMisses()
    calls, start = [], threading.Event()

    def build():
        calls.append(1)
        wait_until(lambda: building.missed == 12, timeout=10, what="every thread to miss while the first builds")
        return object()

    got: list[object] = []

    def ask():
        start.wait()
        got.append(shared.get("k", build))

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for th in threads:
        th.start()
    start.set()
    for th in threads:
        th.join(timeout=10)
    assert len(calls) == 1 and len(got) == 12 and len({id(g) for g in got}) == 1
    assert (shared.misses, shared.hits) == (1, 11)


def test_least_recently_used_entries_go_first():
    shared = cache.SharedCache(max_entries=2)
    shared.get("a", lambda: 1)
    shared.get("b", lambda: 2)
    shared.get("a", lambda: 99)  # a used again: b is now the oldest
    shared.get("c", lambda: 3)
    assert len(shared) == 2
    assert shared.get("a", lambda: "rebuilt") == 1 and shared.get("b", lambda: "rebuilt") == "rebuilt"


def test_zero_entries_builds_every_time():
    shared = cache.SharedCache(max_entries=0)
    assert [shared.get("a", lambda n=n: n) for n in range(3)] == [0, 1, 2]
    assert len(shared) == 0


def test_a_failed_build_is_not_kept_and_can_be_retried():
    shared = cache.SharedCache(max_entries=2)

    def boom():
        raise RuntimeError("store unavailable")

    try:
        shared.get("a", boom)
    except RuntimeError:
        pass
    assert shared.get("a", lambda: "ok") == "ok"


class _View:  # a stand-in view-model: unhashable, like a dataclass with eq
    __hash__ = None  # type: ignore[assignment]


def test_drawn_once_per_view_and_forgotten_with_it():
    view, draws = _View(), []
    first = cache.drawn(view, "deck", lambda: draws.append(1) or object())
    assert cache.drawn(view, "deck", lambda: draws.append(1) or object()) is first and len(draws) == 1
    assert cache.drawn(view, ("deck", 360), lambda: "other size") == "other size"
    key = id(view)
    del view, first
    gc.collect()
    assert key not in cache._drawn


def test_what_every_viewer_shares_stays_shared_when_views_are_not(monkeypatch):
    # GOV_VIEW_CACHE_ENTRIES=0 stands for viewers who all chose different views: the sidebar's options,
    # names and the map of China are still the same for all of them
    from ui import cache

    monkeypatch.setattr(cache, "MAX_PER_PAGE", 0)
    monkeypatch.setattr(cache, "_pages", {})
    assert cache.cache_for("overview").max_entries == 0
    assert cache.cache_for("filters").max_entries == cache.COMMON_ENTRIES > 0
    assert cache.cache_for("overview.china").max_entries == cache.COMMON_ENTRIES
