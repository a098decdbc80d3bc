"""Many viewers read while one writer imports: nobody errors, nobody sees half an import.

One Database instance (as the dashboard has), 20 sessions on threads, each doing what a page does:
a fresh reader cursor, the active community rows and the dataset list in one read-only snapshot
(store.read), then KPIs in polars. Meanwhile a writer imports a generated 100,000-row roster twice:
the first attempt dies inside its transaction after the rows are written and before the commit
(an injected failure, held open long enough for every session to read through it); the second commits.
Every snapshot a session sees must be exactly the old dataset or exactly the new one.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from dataclasses import dataclass, field

import polars as pl
import pytest

import store.importer as importer
from store import read
from store.db import close_database, open_database
from tests.builders import wait_until
from tests.conftest import ROOT

SESSIONS = 20
BIG_ROWS = 100_000
READS_WHILE_OPEN = 2  # reads each session completes while the doomed transaction is open, its rows written
SAMPLE = ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv"


class Killed(BaseException):
    """Stands in for the import being killed mid-transaction (BaseException: nothing may swallow it)."""


def big_roster(n: int) -> bytes:
    """n valid Wuzhou communities in a period of their own (2031), from the sample's rows."""
    src = pl.read_csv(SAMPLE, skip_rows=1, infer_schema=False)
    frame = pl.concat([src] * (n // src.height + 1)).head(n).with_columns(
        pl.format("压测社区{}", pl.int_range(pl.len())).alias("community"),
        pl.lit("2031").alias("period"),
    )
    buf = io.BytesIO()
    frame.write_csv(buf)
    return buf.getvalue()


def signature(rows: pl.DataFrame) -> tuple:
    """Row count and a content checksum of what a page would show."""
    if rows.is_empty():
        return (0, 0, 0, 0)
    sums = rows.select(pl.col("residents").sum(), pl.col("grids").sum(), pl.col("dataset_id").max()).row(0)
    return (rows.height, int(sums[0] or 0), int(sums[1] or 0), int(sums[2]))


def kpis(rows: pl.DataFrame) -> pl.DataFrame:
    """What the overview computes per city and period: coverage rates and totals, zero denominators as null."""
    out = (
        rows.group_by("city_id", "period")
        .agg(
            pl.len().alias("communities"),
            pl.col("compounds_with_party_org").sum().alias("with_org"),
            pl.col("compounds").sum().alias("compounds"),
            pl.col("grids").sum(),
            pl.col("reported_members").sum(),
        )
        .with_columns(
            pl.when(pl.col("compounds") > 0).then(pl.col("with_org") / pl.col("compounds")).alias("compound_coverage")
        )
        .sort("city_id", "period")
    )
    return out


@dataclass
class Session:
    seen: list[tuple[float, float, tuple]] = field(default_factory=list)  # (start, end, signature)
    errors: list[BaseException] = field(default_factory=list)


@pytest.mark.slow  # twenty sessions and a 100k-row import twice: ~10 s
def test_twenty_sessions_see_old_or_new_never_half(bootstrapped_db_path, tmp_path, monkeypatch):
    path = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    db = open_database(path)
    started = time.monotonic()
    try:
        data = big_roster(BIG_ROWS)
        cur = db.reader()
        old = signature(read.community_rows(cur))
        old_datasets = read.datasets(cur).height
        cur.close()

        stop = threading.Event()
        sessions = [Session() for _ in range(SESSIONS)]

        def page(s: Session) -> None:
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    cur = db.reader()
                    try:
                        with cur.snapshot():  # the rows and the dataset list from one state
                            rows = read.community_rows(cur)
                            datasets = read.datasets(cur)
                    finally:
                        cur.close()
                    active = set(datasets.filter(pl.col("status") == "active")["dataset_id"].to_list())
                    assert set(rows["dataset_id"].unique().to_list()) <= active
                    table = kpis(rows)
                    assert table["communities"].sum() == rows.height
                    s.seen.append((t0, time.monotonic(), signature(rows)))
                except BaseException as exc:  # noqa: BLE001 - every failure is reported by the test
                    s.errors.append(exc)
                    return
                if s.seen[-1][2] != old:  # this session has moved on (the test checks it is the new state)
                    return
                time.sleep(0.05)  # a person is not a tight loop

        # the doomed import: rows written inside the transaction, then killed before the commit
        window: dict[str, float] = {}
        real_log = importer._log

        def dying_log(cur, action, who, **kw):
            real_log(cur, action, who, **kw)
            if action == "import" and "opened" not in window:
                opened = window["opened"] = time.monotonic()
                # the transaction stays open, its rows written, until every session has read twice meanwhile
                wait_until(lambda: all(sum(t0 >= opened for t0, *_ in s.seen) >= READS_WHILE_OPEN
                                       for s in sessions if not s.errors),
                           timeout=60, what="every session to read while the doomed transaction is open")
                window["closed"] = time.monotonic()
                raise Killed()

        threads = [threading.Thread(target=page, args=(s,), daemon=True) for s in sessions]
        for th in threads:
            th.start()
        wait_until(lambda: all(s.seen for s in sessions if not s.errors), timeout=60,
                   what="every session to have the old state on screen")

        monkeypatch.setattr(importer, "_log", dying_log)
        with pytest.raises(Killed):
            importer.import_bytes(db, data, "big.csv", who="admin")
        assert signature(read.community_rows(db.reader())) == old  # rolled back whole

        result = importer.import_bytes(db, data, "big.csv", who="admin")  # the same file, now committed
        assert result.ok and result.rows == BIG_ROWS
        committed = time.monotonic()
        new = signature(read.community_rows(db.reader()))
        assert new != old and new[0] == old[0] + BIG_ROWS

        wait_until(lambda: all(any(sig == new for *_, sig in s.seen) for s in sessions if not s.errors),
                   timeout=60, what="every session to reach the new state")
        stop.set()
        for th in threads:
            th.join(timeout=60)

        errors = [e for s in sessions for e in s.errors]
        assert errors == [], errors[:3]
        seen = [entry for s in sessions for entry in s.seen]
        odd = {sig for *_, sig in seen} - {old, new}
        assert odd == set(), f"a session saw a state that is neither old nor new: {odd}"
        during = [sig for t0, t1, sig in seen if t0 >= window["opened"] and t1 <= window["closed"]]
        assert during and set(during) == {old}, "reads while the doomed transaction held 100k rows"
        assert all(any(sig == new for *_, sig in s.seen) for s in sessions), "every session reached the new state"
        assert all(sig == new for t0, _, sig in seen if t0 > committed)
        cur = db.reader()
        assert read.datasets(cur).height == old_datasets + 1  # the killed attempt left no dataset behind
        elapsed = time.monotonic() - started
        print(f"\n{SESSIONS} sessions, {len(seen)} reads ({len(during)} while the doomed transaction was open), "
              f"import {BIG_ROWS} rows, {elapsed:.1f} s")
    finally:
        close_database(path)
