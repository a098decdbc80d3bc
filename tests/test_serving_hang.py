"""Many viewers at once never hang the server: the real `streamlit run app.py`, concurrent websocket sessions.

Until 2026-11-28 a handful of sessions opening the overview for 通化市 (whose "where it lags" table
is not empty) while others changed locality stopped the whole server within seconds: a polars
`map_elements` callback on one session's thread and `DataFrame.to_pandas()` under `st.dataframe`
on another deadlock on the GIL (see ui/tables.py). Bounded: every run has a deadline, the
whole load has one, and a hung server is killed with SIGKILL (it ignores SIGTERM).
"""

from __future__ import annotations

import shutil

import pytest

from bench.load import run_load, serve, summary

pytestmark = pytest.mark.slow

SESSIONS, ROUNDS = 16, 2


def test_concurrent_sessions_finish_every_run_without_hang_or_error(bootstrapped_db_path, tmp_path):
    db = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    # shared views off: every run computes its page in polars, as the first viewer of a view does
    with serve(db, log=tmp_path / "streamlit.log", env={"GOV_VIEW_CACHE_ENTRIES": "0"}) as (url, pid):
        result = run_load(url, pid, sessions=SESSIONS, rounds=ROUNDS, timeout=60, deadline_seconds=300)
    report = summary(result)
    assert not result.hung, report
    assert result.runs == SESSIONS * ROUNDS * 4, report
    for name, page in result.pages.items():
        assert (page.hangs, page.errors, page.exceptions) == (0, 0, 0), f"{name}\n{report}"
