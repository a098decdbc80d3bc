"""Published snapshots (store/publish.py) and the Database on top of them: publish, pointer, lock, collection.

Real files and real processes: a second process holds a reader, the writer lock, or is killed in the
middle of a publish; nothing is mocked below the filesystem.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from store import publish as pub
from store.cli import run
from store.db import StoreBusy, StoreDamaged, StoreError, close_database, open_database
from store.importer import import_bytes
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv"


def roster(period: str) -> bytes:
    return SAMPLE.read_bytes().replace(b",2025,", f",{period},".encode())


def datasets(db) -> int:
    return db.reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0]


@pytest.fixture
def store(bootstrapped_db_path, tmp_path) -> Path:
    """A writer's file with history and nothing published yet (opening it publishes)."""
    path = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    yield path
    close_database(path)


def _process(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ask(proc: subprocess.Popen, line: str = "?") -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


# ---- publish and pointer ----------------------------------------------------------------------------
def test_opening_publishes_a_snapshot_and_a_pointer_next_to_the_writer(store):
    db = open_database(store)
    ptr = pub.read_pointer(store)
    assert ptr is not None and db.version() == ptr.version
    snapshot = store.parent / "published" / ptr.snapshot
    assert snapshot.is_file() and ptr.bytes == snapshot.stat().st_size == store.stat().st_size
    assert ptr.writer == pub.fingerprint(store)  # published from exactly this state of the writer
    assert (store.parent / "gov.duckdb.lock").exists()
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM datasets").fetchall()[0][0] == datasets(db)
    finally:
        con.close()


def test_every_write_publishes_a_new_version_and_readers_move_to_it(store):
    db = open_database(store)
    cur = db.reader()  # taken before the import: its next statement reads the new snapshot
    before, version = datasets(db), db.version()
    assert import_bytes(db, roster("2030"), "a.csv", who="admin").ok
    assert db.version() != version
    assert cur.execute("SELECT count(*) FROM datasets").fetchall()[0][0] == before + 1
    assert cur.published is not None and cur.published.version == db.version()
    old = db.reader(at=version)  # pinned: the state the version names, as long as the file is there
    assert old.execute("SELECT count(*) FROM datasets").fetchall()[0][0] == before


def test_a_snapshot_block_keeps_one_state_while_a_write_publishes(store):
    db = open_database(store)
    cur = db.reader()
    before = datasets(db)
    with cur.snapshot():
        assert import_bytes(db, roster("2030"), "a.csv", who="admin").ok
        assert cur.execute("SELECT count(*) FROM datasets").fetchall()[0][0] == before
    assert cur.execute("SELECT count(*) FROM datasets").fetchall()[0][0] == before + 1


def test_a_failed_write_publishes_nothing(store):
    db = open_database(store)
    version = db.version()
    with pytest.raises(RuntimeError), db.transaction() as cur:
        cur.execute("DELETE FROM facts")
        raise RuntimeError("killed mid-transaction")
    assert db.version() == version and pub.read_pointer(store).writer == pub.fingerprint(store)


@pytest.mark.slow  # a whole first start / publishes racing: ~4 s
def test_a_pointer_is_always_whole_while_publishes_run(store):
    db = open_database(store)
    seen, stop = [], threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(json.loads(pub.pointer_path(store).read_text(encoding="utf-8"))["version"])

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(4):
            assert import_bytes(db, roster(str(2030 + i)), f"{i}.csv", who="admin").ok
    finally:
        stop.set()
        watcher.join()
    assert len(set(seen)) >= 2  # it saw publishes happen, and never a torn or missing pointer


_KILLED_MID_PUBLISH = r"""
import shutil, sys, time
import store.publish as pub
from store.db import open_database
from store.importer import import_bytes
real = shutil.copyfile
def slow_copy(src, dst, *a, **k):
    out = real(src, dst, *a, **k)
    print("COPIED", flush=True)
    time.sleep(60)  # killed here: the new snapshot is half made (its .part written, not renamed)
    return out
db = open_database(sys.argv[1])
pub.shutil.copyfile = slow_copy
data = open(sys.argv[2], "rb").read().replace(b",2025,", b",2030,")
import_bytes(db, data, "a.csv", who="admin")
"""


def test_a_crash_mid_publish_leaves_the_old_snapshot_in_place(store):
    db = open_database(store)
    ptr, before = pub.read_pointer(store), datasets(db)
    close_database(store)
    proc = _process(_KILLED_MID_PUBLISH, str(store), str(SAMPLE))
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "COPIED"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        _stop(proc)
    folder = store.parent / "published"
    assert pub.read_pointer(store) == ptr and (folder / ptr.snapshot).is_file()
    assert [p.name for p in folder.iterdir() if p.name.endswith(".part")]  # the debris of the killed publish
    db = open_database(store)  # the writer committed the import, then died: the next opening publishes it
    assert db.version() != ptr.version and datasets(db) == before + 1
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]  # debris collected


def test_a_publish_that_fails_says_so_and_keeps_the_old_snapshot(store, monkeypatch):
    db = open_database(store)
    ptr, before = pub.read_pointer(store), datasets(db)

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pub, "write_pointer", full_disk)
    with pytest.raises(StoreError, match="committed, but publishing it .* No space .* python -m store publish"):
        import_bytes(db, roster("2030"), "a.csv", who="admin")
    assert pub.read_pointer(store) == ptr and datasets(db) == before  # readers still on the old state, whole
    monkeypatch.undo()
    assert run(["publish", "--db", str(store)]) == 0  # what the operator runs: the committed import appears
    close_database(store)
    assert datasets(open_database(store)) == before + 1


# ---- the writer lock ------------------------------------------------------------------------------
_HOLD_LOCK = r"""
import sys, time
from store.publish import WriterLock
lock = WriterLock(__import__("pathlib").Path(sys.argv[1]))
lock.acquire(5, what="python -m store import big.csv")
print("LOCKED", flush=True)
sys.stdin.readline()
lock.release()
print("RELEASED", flush=True)
sys.stdin.readline()
"""


def test_a_write_waits_for_the_lock_then_says_busy(store, monkeypatch, capsys):
    db = open_database(store)
    before = datasets(db)
    holder = _process(_HOLD_LOCK, str(store))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        monkeypatch.setenv("GOV_LOCK_WAIT", "0.5")
        started = time.monotonic()
        with pytest.raises(StoreBusy) as info:
            import_bytes(db, roster("2030"), "a.csv", who="admin")
        assert time.monotonic() - started >= 0.5
        text = str(info.value)
        assert "is busy" in text and "python -m store import big.csv" in text and f"pid {holder.pid}" in text
        assert "try again" in text and "GOV_LOCK_WAIT" in text
        assert datasets(db) == before
        close_database(store)
        data = store.parent / "roster.csv"
        data.write_bytes(roster("2030"))
        assert run(["import", str(data), "--db", str(store)]) == 1  # the CLI: exit 1, the same message
        err = capsys.readouterr().err
        assert "is busy" in err and "Traceback" not in err
    finally:
        _stop(holder)


def test_writers_serialise_instead_of_failing(store, monkeypatch):
    """A CLI import started while another write holds the lock waits for it, then succeeds."""
    db = open_database(store)
    before = datasets(db)
    holder = _process(_HOLD_LOCK, str(store))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        threading.Timer(1.0, lambda: _ask(holder, "release")).start()
        started = time.monotonic()
        assert import_bytes(db, roster("2030"), "a.csv", who="admin").ok
        assert time.monotonic() - started >= 0.9  # it waited for the other writer
    finally:
        _stop(holder)
    assert datasets(db) == before + 1


def test_readers_and_backup_never_wait_for_the_writer(store, tmp_path):
    from store.backup import backup_database, verify_backup

    db = open_database(store)
    before = datasets(db)
    holder = _process(_HOLD_LOCK, str(store))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        assert datasets(db) == before
        manifest = backup_database(db, tmp_path / "b.duckdb")
        assert manifest.counts["datasets"] == before and verify_backup(tmp_path / "b.duckdb").counts == manifest.counts
    finally:
        _stop(holder)


# ---- collection of old snapshots ---------------------------------------------------------------------
_READ_SNAPSHOT = r"""
import sys
from store.db import open_database
db = open_database(sys.argv[1])
cur = db.reader(at=db.version())  # pinned to the snapshot it opened on
print(cur.published.path, flush=True)
for line in sys.stdin:
    if line.strip() == "evict":  # empty the buffer pool: the next reads go to the file, not to memory
        db._con.execute("SET memory_limit = '1MB'")
        db._con.execute("SET memory_limit = '1GB'")
        print("ok", flush=True)
        continue
    if line.strip() == "version":
        print(db.version(), flush=True)
        continue
    fresh = db.reader(at=cur.published.version)  # a new cursor on the old instance, too
    total = fresh.execute("SELECT sum(residents) FROM community_rows").fetchall()[0][0]
    n = cur.execute("SELECT count(*), sum(hash(r)) FROM community_rows AS r").fetchall()[0]  # every column
    print(f"{n[0]} {n[1]} {total}", flush=True)
"""


def _bytes_read(pid: int) -> int:
    """Bytes the process has read through system calls so far (Linux /proc/PID/io)."""
    with open(f"/proc/{pid}/io", encoding="ascii") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))


def test_collection_keeps_a_snapshot_another_process_reads(store, monkeypatch):
    monkeypatch.setenv("GOV_SNAPSHOT_GRACE", "0")  # only the lock protects it
    db = open_database(store)
    reader = _process(_READ_SNAPSHOT, str(store))
    try:
        assert reader.stdout is not None
        held = Path(reader.stdout.readline().strip())
        first = _ask(reader)
        assert import_bytes(db, roster("2030"), "a.csv", who="admin").ok
        assert import_bytes(db, roster("2031"), "b.csv", who="admin").ok
        assert held.exists(), "collected while another process read it"
        assert _ask(reader).split()[:2] == first.split()[:2]  # the same state, still readable
    finally:
        _stop(reader)
    assert import_bytes(db, roster("2032"), "c.csv", who="admin").ok  # the next publish collects it
    assert not held.exists()
    assert [p.name for _, p in pub.snapshots(store)] == [pub.read_pointer(store).snapshot]  # 1 file on disk


def test_collection_keeps_what_this_process_reads_and_waits_out_the_grace(store, monkeypatch):
    monkeypatch.setenv("GOV_SNAPSHOT_GRACE", "0")
    db = open_database(store)
    pinned = db.reader(at=db.version())
    held = pinned.published.path
    assert import_bytes(db, roster("2030"), "a.csv", who="admin").ok
    assert held.exists()  # open in this process (its lock cannot be probed from inside: kept by name)
    pinned.close()
    monkeypatch.setenv("GOV_SNAPSHOT_GRACE", "3600")
    assert import_bytes(db, roster("2031"), "b.csv", who="admin").ok
    assert held.exists()  # unused now, but superseded less than an hour ago
    ptr = pub.read_pointer(store)
    removed = pub.collect_garbage(store, ptr, grace_s=3600, now=time.time() + 7200)
    assert held in removed and not held.exists()
    assert (store.parent / "published" / ptr.snapshot).exists()


@pytest.mark.slow
def test_a_reader_of_a_removed_snapshot_keeps_reading_it(store, monkeypatch):
    """Even removed under it (a filesystem whose locks the collector cannot see), an open snapshot stays
    readable: DuckDB reads through its open descriptor and never reopens the path. The snapshot holds
    100,000 more rows and the reader's buffers are emptied, so its reads after the removal come from the file."""
    from tests.test_concurrency import big_roster

    assert import_bytes(open_database(store), big_roster(100_000), "big.csv", who="admin").ok
    close_database(store)
    reader = _process(_READ_SNAPSHOT, str(store))
    try:
        assert reader.stdout is not None
        held = Path(reader.stdout.readline().strip())
        first = _ask(reader)
        old = _ask(reader, "version")
        assert _ask(reader, "evict") == "ok"  # (the snapshot is still its current one: _con is that instance)
        db = open_database(store)
        assert import_bytes(db, roster("2030"), "a.csv", who="admin").ok
        held.unlink()  # gone from the folder while the other process reads it
        before = _bytes_read(reader.pid)
        assert _ask(reader) == first  # the old state, whole
        read = _bytes_read(reader.pid) - before
        print(f"read after removal: {read} bytes")
        assert read > 2**20  # read again from the unlinked file, not from memory
        assert _ask(reader, "version") == db.version() != old  # and new readers there move to the new snapshot
    finally:
        _stop(reader)


# ---- damage --------------------------------------------------------------------------------------
def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(3 * 4096 + 100, 3 * 4096 + 140):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_snapshot_is_published_again_from_the_writer(store):
    db = open_database(store)
    before, ptr = datasets(db), pub.read_pointer(store)
    close_database(store)
    _flip(store.parent / "published" / ptr.snapshot)
    db = open_database(store)
    assert db.version() != ptr.version and datasets(db) == before


def test_a_damaged_snapshot_without_the_writer_says_how_to_publish(store, tmp_path, monkeypatch):
    """A server that sees only the published folder (GOV_PUBLISHED_DIR on shared storage)."""
    shared = tmp_path / "shared"
    monkeypatch.setenv("GOV_PUBLISHED_DIR", str(shared))
    open_database(store)
    close_database(store)
    ptr = pub.read_pointer(store)
    assert (shared / ptr.snapshot).is_file()
    elsewhere = tmp_path / "server2" / "gov.duckdb"  # the same store name, no writer's file on this host
    _flip(shared / ptr.snapshot)
    with pytest.raises(StoreDamaged, match="python -m store publish"):
        open_database(elsewhere)
    assert not elsewhere.exists()


def test_a_reader_only_host_reads_the_shared_published_folder(store, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    monkeypatch.setenv("GOV_PUBLISHED_DIR", str(shared))
    before = datasets(open_database(store))
    elsewhere = tmp_path / "server2" / "gov.duckdb"
    try:
        assert datasets(open_database(elsewhere)) == before
        assert not elsewhere.exists()  # it never made a writer's file of its own
    finally:
        close_database(elsewhere)


def test_publish_refuses_a_writer_with_a_leftover_log(store):
    open_database(store)
    close_database(store)
    Path(str(store) + ".wal").write_bytes(b"x")
    try:
        with pytest.raises(Exception, match="write-ahead log"):
            pub.publish(store, schema="x")
    finally:
        Path(str(store) + ".wal").unlink()


# ---- first start -----------------------------------------------------------------------------------
@pytest.mark.slow  # a whole first start / publishes racing: ~4 s
def test_first_start_builds_and_publishes_once(tmp_path, monkeypatch):
    from store.bootstrap import bootstrap

    published = []
    real = pub.publish
    monkeypatch.setattr(pub, "publish", lambda *a, **k: published.append(1) or real(*a, **k))
    path = tmp_path / "fresh" / "gov.duckdb"
    try:
        db = open_database(path, on_create=bootstrap)
        assert db.created and published == [1]  # schema, reference tables and 18 samples: one snapshot
        assert datasets(db) > 0
        assert [p.name for _, p in pub.snapshots(path)] == [pub.read_pointer(path).snapshot]
    finally:
        close_database(path)


_FIRST_START = r"""
import sys
from store.bootstrap import bootstrap
from store.db import open_database
db = open_database(sys.argv[1], on_create=bootstrap)
print(db.created, db.version(), db.reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0], flush=True)
"""


@pytest.mark.slow
def test_two_servers_starting_together_build_the_store_once(tmp_path):
    path = tmp_path / "fresh" / "gov.duckdb"
    procs = [_process(_FIRST_START, str(path)) for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    results = sorted(out.split() for out, _ in outs)
    assert [r[0] for r in results] == ["False", "True"]  # one built it, the other waited for it
    assert results[0][1:] == results[1][1:] and int(results[0][2]) > 0  # and both read the same version


def test_a_reader_only_host_refuses_to_write_instead_of_making_a_store(store, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    monkeypatch.setenv("GOV_PUBLISHED_DIR", str(shared))
    open_database(store)
    version = pub.read_pointer(store).version
    elsewhere = tmp_path / "server2" / "gov.duckdb"
    try:
        with pytest.raises(StoreError, match="not on this host"):
            import_bytes(open_database(elsewhere), roster("2030"), "a.csv", who="admin")
        assert not elsewhere.exists() and pub.read_pointer(store).version == version
    finally:
        close_database(elsewhere)
