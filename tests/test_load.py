"""bench/load.py: the load tool's arithmetic and report, and (slow) one small real run end to end."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.load import LoadResult, PageResult, percentile, summary
from tests.conftest import ROOT


@pytest.mark.parametrize(("q", "expected"), [(50, 5), (95, 10), (100, 10), (10, 1)])
def test_percentile_is_nearest_rank(q, expected):
    assert percentile(list(range(10, 0, -1)), q) == expected


def test_summary_reports_every_page_and_says_when_the_server_hung():
    pages = {"overview": PageResult(seconds=[0.1, 0.2, 0.3]), "compare": PageResult(errors=1, first_error="boom")}
    text = summary(LoadResult(2, 1, pages, [300.0, 310.0], 1.2, 2.0, hung=True))
    assert "| overview | 3 | 0.200 | 0.300 | 0.300 | 0 | 0 | 0 |" in text
    assert "| compare | 0 | — | — | — | 1 | 0 | 0 |" in text
    assert "300 → 310" in text and "compare: boom" in text and "HUNG" in text


@pytest.mark.slow
def test_a_small_load_runs_clean_against_its_own_server():
    out = subprocess.run([sys.executable, "-m", "bench.load", "--sessions", "3", "--rounds", "1", "--deadline", "300"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 sessions × 1 rounds: 12 page runs" in out.stdout and "HUNG" not in out.stdout


def test_the_load_runs_where_an_event_loop_already_runs():
    # the full suite holds Playwright's sync browser, which keeps a loop on the test thread: asyncio.run
    # would refuse to nest there (it broke tests/test_serving_hang.py in a full run)
    import asyncio

    from bench.load import run_to_end

    async def answer() -> int:
        return 42

    async def inside_a_loop() -> int:
        return run_to_end(answer())

    from concurrent.futures import ThreadPoolExecutor

    # a thread of our own, so the outer loop is ours whatever loop the session already holds here
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, inside_a_loop()).result(timeout=30) == 42
