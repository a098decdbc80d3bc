"""store/audit.py: the sign-in log beside the store, appended by several processes, never a store write."""

from __future__ import annotations

import multiprocessing
from datetime import datetime

import pytest

from store import audit
from store.db import close_database, open_database


def test_lines_come_back_newest_first_with_their_time(tmp_path):
    path = tmp_path / "a.audit.sqlite"
    audit.append(path, "failed", "alice", "10.0.0.9", when=datetime(2026, 11, 28, 9, 0, 0))
    audit.append(path, "signed_in", "alice", "10.0.0.1", when=datetime(2026, 11, 28, 9, 1, 0))
    got = audit.latest(path)
    assert got.select("event", "user_name", "address").rows() == [("signed_in", "alice", "10.0.0.1"),
                                                                  ("failed", "alice", "10.0.0.9")]
    assert got["logged_at"].to_list() == [datetime(2026, 11, 28, 9, 1), datetime(2026, 11, 28, 9, 0)]


def test_a_missing_log_reads_as_empty(tmp_path):
    assert audit.latest(tmp_path / "none.sqlite").height == 0


def test_a_long_user_name_is_capped(tmp_path):
    path = tmp_path / "a.sqlite"
    audit.append(path, "failed", "x" * 1000, "1" * 100)
    row = audit.latest(path).row(0, named=True)
    assert (len(row["user_name"]), len(row["address"])) == (128, 64)


def _append_many(path: str, who: str) -> None:
    for i in range(50):
        audit.append(audit.Path(path), "failed", f"{who}{i}", "127.0.0.1")


@pytest.mark.slow  # three Python processes started: ~3 s
def test_several_processes_append_without_losing_a_line(tmp_path):
    path = tmp_path / "shared.audit.sqlite"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(path), who)) for who in ("a", "b", "c")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert audit.latest(path, limit=1000).height == 150


def test_a_sign_in_line_does_not_publish_a_new_snapshot(tmp_path, monkeypatch):
    from store.access import AuthEvent, record_auth_event

    monkeypatch.delenv("GOV_AUDIT", raising=False)
    path = tmp_path / "gov.duckdb"
    db = open_database(path)
    try:
        before = db.version()
        record_auth_event(db, AuthEvent.FAILED, "mallory", "10.9.9.9")
        assert db.version() == before  # viewers' shared views stay valid
        assert audit.audit_path(path) == tmp_path / "gov.audit.sqlite"
        assert audit.latest(audit.audit_path(path))["user_name"].to_list() == ["mallory"]
    finally:
        close_database(path)
