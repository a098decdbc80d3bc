"""Where the database lives and the one place that opens it: one writer, published read-only snapshots for readers."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from store import publish as pub
from store.columns import sql_columns
from store.errors import (  # noqa: F401 - re-exported: callers import them from store.db
    ReadOnlyViolation,
    StoreBusy,
    StoreDamaged,
    StoreError,
    StoreInUse,
    check_readable,
    damaged_message,
)
from store.readonly import (  # noqa: F401 - re-exported: callers import them from store.db
    Published,
    ReadCursor,
    ReadRelation,
    check_read_only,
    read_only_problem,
)

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "gov.duckdb"
SCHEMA_VERSION = "1"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path: an explicit argument, else GOV_DB, else data/gov.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("GOV_DB")
    return Path(env) if env else DEFAULT_DB


def db_exists(path: str | os.PathLike[str] | None = None) -> bool:
    """True once the store has a writer file or a published snapshot (False: a first start builds it)."""
    p = db_path(path)
    return p.exists() or pub.read_pointer(p) is not None


def schema_sql() -> str:
    text = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
    return text.replace("{canonical_columns}", sql_columns())


def schema_hash() -> str:
    """Recorded with every snapshot: a process running a newer schema.sql brings the store up to it once."""
    return hashlib.sha256(schema_sql().encode("utf-8")).hexdigest()[:16]


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a database file, turning DuckDB's lock error into a message a person can act on."""
    if read_only and not path.exists():
        raise StoreError(f"database {path} does not exist; run: python -m store bootstrap --db {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "could not set lock" in str(exc).lower():
            # Only something outside this code holds the writer's file open (this code opens it for a
            # write's duration, under the writer lock): an older dashboard, a duckdb shell.
            raise StoreInUse(
                f"database {path} is in use by another process that does not take the store's writer lock "
                "(an older version of the dashboard? a duckdb shell?); close it and try again"
            ) from exc
        if path.exists():
            raise StoreDamaged(damaged_message(path, str(exc))) from exc
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    except duckdb.Error as exc:  # checksum mismatch, wrong version, serialization errors: the file is unusable
        raise StoreDamaged(damaged_message(path, f"{type(exc).__name__}: {exc}")) from exc


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(schema_sql())
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )


# ---- the Database ---------------------------------------------------------------------------------
# MVCC rules this relies on (DuckDB 2.0, one process): cursors of one instance each run their own
# transactions; a cursor sees what was committed before its statement (or its explicit transaction)
# began, never another cursor's uncommitted rows. A read-only instance has no writer at all, so every
# cursor on a snapshot sees one fixed state. Closing a connection closes the cursors taken from it
# (they raise "Connection already closed"); dropping it does not: a cursor keeps the instance alive.
# Hence an old snapshot's connection is closed only when no cursor of it is left.
@dataclass(eq=False)
class _Snap:
    """One published snapshot open read-only in this process, and how many cursors use it."""

    version: str
    path: Path
    con: duckdb.DuckDBPyConnection
    hold: int | None  # descriptor holding an OFD read lock (see store.publish.hold_shared)
    refs: int = 0
    superseded: bool = False
    closed: bool = False


class _Lease:
    """One cursor on one instance (a snapshot, or the writer for the writing thread); gives its hold back
    when closed or garbage-collected, so a forgotten cursor cannot keep a snapshot open forever."""

    __slots__ = ("cur", "snap", "gen", "_fin", "__weakref__")

    def __init__(self, db: Database, snap: _Snap | None, con: duckdb.DuckDBPyConnection, gen: int) -> None:
        self.cur = con.cursor()
        self.snap = snap
        self.gen = gen  # for the writer: which opening of it (a closed writer's cursors are dead)
        self._fin = weakref.finalize(self, db._release, snap)

    def close(self) -> None:
        try:
            self.cur.close()
        finally:
            self._fin()


class Database:
    """The store behind one GOV_DB path, for one process: readers on published snapshots, one writer at a time.

    - reader(): a read-only cursor on the newest published snapshot (each statement moves to a newer one
      when it appears, unless the cursor is pinned: reader(at=version), inside snapshot(), after register()).
    - transaction() / exclusive() / batch(): take the writer lock (threads and processes; bounded wait,
      StoreBusy after GOV_LOCK_WAIT seconds), open the writer's file read-write for the duration, and on
      the way out publish a new snapshot if the file changed. Nested calls in one thread share one opening
      and one publish (bootstrap in a batch publishes once). While a thread writes, its own readers read
      the writer's committed state (an import validates against localities it has just stored).
    """

    def __init__(self, path: Path, *, on_create: Callable[[Database], object] | None = None) -> None:
        self.path = path
        self.created = False  # this process made the writer's file (first start)
        self._lock = threading.RLock()  # snapshots and their counts; RLock: a lease may be collected inside
        self._refreshing = threading.RLock()  # re-entrant: a damaged snapshot is republished from inside
        self._wlock = threading.RLock()  # one writing thread in this process (re-entrant: batch > transaction)
        self._writer: duckdb.DuckDBPyConnection | None = None
        self._writer_thread: int | None = None
        self._writer_gen = 0
        self._snaps: dict[str, _Snap] = {}
        self._current: _Snap | None = None
        self._pointer_key: tuple | None = None
        self._verified: set[str] = set()
        self._closed = False
        try:
            self._start(on_create)
            self._snapshot()
        except BaseException:
            self.close()
            raise

    # ---- start: make sure a good snapshot of the current writer state is published ----------------
    def _start(self, on_create: Callable[[Database], object] | None) -> None:
        ptr = pub.read_pointer(self.path)
        if ptr is not None and not self.path.exists():
            return  # a server that sees only the published folder (GOV_PUBLISHED_DIR): it reads, never writes
        if ptr is None or ptr.schema != schema_hash() or not (pub.published_dir(self.path) / ptr.snapshot).exists():
            with self._writing(startup=True, on_create=on_create):
                pass
        elif self.path.exists() and pub.fingerprint(self.path) != ptr.writer:
            # the writer's file changed after the last publish (a crash between commit and publish, a file
            # copied in by hand): publish it now, unless a writer is at work (it publishes when done)
            try:
                with self._writing(startup=True, wait=0.0):
                    pass
            except StoreBusy:
                pass

    # ---- the writer -----------------------------------------------------------------------------
    @contextmanager
    def _writing(self, *, wait: float | None = None, open_writer: bool = True, startup: bool = False,
                 on_create: Callable[[Database], object] | None = None,
                 force: bool = False) -> Iterator[duckdb.DuckDBPyConnection | None]:
        me = threading.get_ident()
        if self._writer_thread == me:  # nested in this thread: the same opening, one publish at the end
            yield self._writer
            return
        wait = pub.lock_wait() if wait is None else wait
        started = time.monotonic()
        got = self._wlock.acquire(timeout=wait) if wait > 0 else self._wlock.acquire(blocking=False)
        if not got:
            raise StoreBusy(pub.busy_message(self.path, {"what": "another session of this process"}, wait))
        try:
            lock = pub.WriterLock(self.path)
            lock.acquire(max(0.0, wait - (time.monotonic() - started)))
            try:
                failed: BaseException | None = None
                opened = self._writer_gen
                self._writer_thread = me
                try:
                    if open_writer:
                        force = self._open_writer(startup, on_create) or force
                    yield self._writer
                except BaseException as exc:
                    failed = exc
                    raise
                finally:
                    self._writer_thread = None
                    opened = self._writer_gen != opened  # this code had the file open: what it committed is whole
                    self._close_writer()
                    # publish after success, or after a failure once the file was ours (a batch's earlier
                    # commits stand); never a file that is damaged, or that another process held
                    if failed is None or (opened and not isinstance(failed, StoreDamaged)):
                        try:
                            self._publish_after_write(force)
                        except Exception as exc:
                            if failed is None:
                                if isinstance(exc, StoreError):  # damaged, busy: their own message says what to do
                                    raise
                                raise StoreError(self._unpublished(exc)) from exc
                            failed.add_note(self._unpublished(exc))
            finally:
                lock.release()
        finally:
            self._wlock.release()

    def _open_writer(self, startup: bool, on_create: Callable[[Database], object] | None) -> bool:
        """Open the writer's file read-write; at start, check it and bring its schema up to date.
        Returns True when a publish is needed even if the file did not change."""
        created = not self.path.exists()
        if created and pub.read_pointer(self.path) is not None:
            raise StoreError(
                f"the store's writer file {self.path} is not on this host, only its published snapshots: "
                "write (import, rollback, restore) on the host that holds GOV_DB"
            )
        self._writer = connect(self.path)
        self._writer_gen += 1
        if not startup:
            return False
        ptr = pub.read_pointer(self.path)  # again, under the lock: another process may have published
        if not created:
            check_readable(self._writer, self.path)
        force = ptr is None or ptr.schema != schema_hash()
        if created or force:
            ensure_schema(self._writer)
        if created and on_create is not None:
            self.created = True
            on_create(self)
        return force

    def _close_writer(self) -> None:
        con, self._writer = self._writer, None
        if con is None:
            return
        try:
            con.execute("CHECKPOINT")  # everything into the file: the snapshot is a plain copy of it
        except duckdb.Error:
            pass  # a failed write may have invalidated the connection; close() still checkpoints what it can
        finally:
            con.close()

    def _publish_after_write(self, force: bool = False) -> pub.Pointer | None:
        """Publish if the writer's file changed (or `force`), move this process's readers to it, collect."""
        fp = pub.fingerprint(self.path)
        if fp is None:
            return None
        ptr = pub.read_pointer(self.path)
        missing = ptr is None or not (pub.published_dir(self.path) / ptr.snapshot).exists()
        if not (force or missing or ptr is None or fp != ptr.writer):
            return None
        ptr = pub.publish(self.path, schema=schema_hash(), collect=False)
        self._verified.add(ptr.version)  # publish read every block of it already
        if not self._closed:
            self._snapshot()  # this process's next statement reads what it just wrote
        with self._lock:
            keep = [s.path for s in self._snaps.values() if not s.closed]
        pub.collect_garbage(self.path, ptr, keep=keep)
        return ptr

    def _unpublished(self, exc: BaseException) -> str:
        return (
            f"what was written to {self.path} is committed, but publishing it for the dashboards failed "
            f"({type(exc).__name__}: {str(exc)[:200]}); they still show the previous state. "
            f"Fix the cause, then run: python -m store publish --db {self.path}"
        )

    def publish(self, *, wait: float | None = None) -> pub.Pointer:
        """Publish the writer's state as a new snapshot even if nothing changed (after a damaged snapshot)."""
        with self._writing(startup=True, wait=wait, force=True):
            pass
        ptr = pub.read_pointer(self.path)
        assert ptr is not None
        return ptr

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The only write path: one writer at a time (across processes), all or nothing, then published."""
        with self._writing() as con:
            assert con is not None
            cur = con.cursor()
            cur.begin()
            try:
                yield cur
            except BaseException:
                cur.rollback()
                raise
            else:
                cur.commit()
            finally:
                cur.close()

    @contextmanager
    def exclusive(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A plain read-write cursor on the writer's file while no other write can start; published after."""
        with self._writing() as con:
            assert con is not None
            cur = con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def batch(self) -> Iterator[Database]:
        """Several transactions under one writer lock and one publish (bootstrap: 20 transactions, 1 snapshot)."""
        with self._writing():
            yield self

    @contextmanager
    def holding_writer(self, *, wait: float | None = None) -> Iterator[None]:
        """The writer lock without opening the file (restore replaces it); publishes whatever it became."""
        with self._writing(open_writer=False, wait=wait, force=True):
            yield

    # ---- readers --------------------------------------------------------------------------------
    def _snapshot(self) -> _Snap:
        """The newest published snapshot, opened; re-reads the pointer when its file changed (one stat)."""
        try:
            st = os.stat(pub.pointer_path(self.path))
            key: tuple | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            key = None
        current = self._current
        if current is not None and key == self._pointer_key and not current.closed:
            return current
        # Another thread may be opening the new snapshot: wait for it, so no statement that starts after
        # a publish reads the state before it (at most the open and check of one snapshot: 0.2 s national).
        with self._refreshing:
            ptr = pub.read_pointer(self.path)
            if ptr is None:  # the published folder was wiped: publish again
                self.publish()
                ptr = pub.read_pointer(self.path)
                assert ptr is not None
            current = self._current
            if current is not None and ptr.version == current.version and not current.closed:
                self._pointer_key = key
                return current
            snap = self._open_snap(ptr)
            with self._lock:
                old, self._current = self._current, snap
                self._pointer_key = key
                if old is not None and old is not snap:
                    old.superseded = True
                    if old.refs <= 0:
                        self._close_snap(old)
            return snap

    def _open_snap(self, ptr: pub.Pointer, *, republish: bool = True) -> _Snap:
        with self._lock:
            snap = self._snaps.get(ptr.version)
            if snap is not None and not snap.closed:
                return snap
        path = pub.published_dir(self.path) / ptr.snapshot
        try:
            return self._open_file(ptr.version, path)
        except StoreError:
            if not republish or not self.path.exists():
                raise
        # a damaged or vanished snapshot: copy the writer's state again (it is checked before it is published)
        fresh = self.publish()
        return self._open_snap(fresh, republish=False)

    def _open_file(self, version: str, path: Path) -> _Snap:
        if not path.exists():
            raise StoreError(
                f"published snapshot {path} is missing; publish again on the writer's host: "
                f"python -m store publish --db {self.path}"
            )
        hold = pub.hold_shared(path)
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            if hold is not None:
                os.close(hold)
            raise StoreDamaged(self._snapshot_damaged(path, exc)) from exc
        try:
            if version not in self._verified:
                check_readable(con, path)
                self._verified.add(version)
        except StoreDamaged as exc:
            con.close()
            if hold is not None:
                os.close(hold)
            raise StoreDamaged(self._snapshot_damaged(path, exc.__cause__ or exc)) from exc
        snap = _Snap(version, path, con, hold)
        with self._lock:
            self._snaps[version] = snap
        return snap

    def _snapshot_damaged(self, path: Path, exc: BaseException) -> str:
        return (
            f"published snapshot {path} is damaged ({type(exc).__name__}: {str(exc)[:200]}); "
            f"publish the store again: python -m store publish --db {self.path}"
        )

    def _close_snap(self, snap: _Snap) -> None:
        """Close a snapshot's instance (under self._lock, with no cursor of it left)."""
        if snap.closed:
            return
        snap.closed = True
        self._snaps.pop(snap.version, None)
        try:
            snap.con.close()
        finally:
            if snap.hold is not None:
                os.close(snap.hold)  # after DuckDB's close: this descriptor's close drops no lock DuckDB needs

    def _release(self, snap: _Snap | None) -> None:
        if snap is None:
            return
        with self._lock:
            snap.refs -= 1
            if snap.superseded and snap.refs <= 0:
                self._close_snap(snap)

    def _at(self, version: str) -> _Snap:
        """The snapshot a version names, opened if need be (superseded from the start); else the newest."""
        with self._lock:
            snap = self._snaps.get(version)
            if snap is not None and not snap.closed:
                return snap
        newest = self._snapshot()
        if newest.version == version:
            return newest
        path = pub.snapshot_for(self.path, version)
        if path is None or not path.exists():
            return newest  # collected since: the caller gets the newest state, whole
        try:
            snap = self._open_file(version, path)
        except StoreError:
            return newest
        with self._lock:
            snap.superseded = True
        return snap

    def _lease(self, snap: _Snap | None = None, *, at: str | None = None) -> _Lease:
        me = threading.get_ident()
        if snap is None and at is None and self._writer_thread == me and self._writer is not None:
            return _Lease(self, None, self._writer, self._writer_gen)
        for _ in range(5):  # a snapshot can be closed between choosing it and taking a cursor: choose again
            chosen = snap or (self._at(at) if at is not None else self._snapshot())
            with self._lock:
                if not chosen.closed:
                    chosen.refs += 1
                    try:
                        return _Lease(self, chosen, chosen.con, 0)
                    except BaseException:
                        chosen.refs -= 1
                        raise
            snap = None
        raise StoreError(f"could not open a reader on {self.path}: snapshots kept changing")

    def _fresh(self, lease: _Lease) -> _Lease:
        """The lease a new statement should use: the same one unless the writer closed or a newer snapshot is out."""
        me = threading.get_ident()
        if self._writer_thread == me and self._writer is not None:
            if lease.snap is None and lease.gen == self._writer_gen:
                return lease
            return self._lease()
        if lease.snap is not None and not lease.snap.closed and lease.snap is self._snapshot():
            return lease
        return self._lease()

    def reader(self, *, at: str | None = None) -> ReadCursor:
        """A fresh cursor that only reads: anything but a SELECT raises ReadOnlyViolation before it runs.

        It reads the newest published snapshot; `at` pins it to the snapshot of that data version (as long
        as it exists: a page reads all its tables from the version it keyed its cache on).
        """
        if self._closed:
            raise StoreError(f"database {self.path} was closed")
        return ReadCursor(self, self._lease(at=at), pinned=at is not None)

    def version(self) -> str:
        """The data version: the current snapshot's, from the pointer (a stat, and a read when it changed)."""
        return self._snapshot().version

    @contextmanager
    def pinned(self) -> Iterator[tuple[Published, ReadCursor]]:
        """The current snapshot held open for the block (never collected meanwhile) and a reader pinned to it."""
        cur = ReadCursor(self, self._lease(self._snapshot()), pinned=True)
        try:
            snap = cur._lease.snap
            assert snap is not None
            yield Published(snap.version, snap.path), cur
        finally:
            cur.close()

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        """The current snapshot's read-only connection (tests compare fingerprints through it)."""
        return self._snapshot().con

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for snap in list(self._snaps.values()):
                self._close_snap(snap)
            self._current = None
        if self._writer is not None and self._writer_thread is None:
            self._close_writer()


_instances: dict[Path, Database] = {}
_instances_lock = threading.Lock()


def open_database(path: str | os.PathLike[str] | None = None, *,
                  on_create: Callable[[Database], object] | None = None) -> Database:
    """The process-wide Database for a path (one per store per process).

    Opening publishes first when needed: a new store (schema, then `on_create(db)` in the same write,
    e.g. bootstrap), no snapshot yet, a schema.sql newer than the snapshot, or a writer's file changed
    since its last publish. Otherwise it only opens the newest snapshot read-only.
    """
    p = db_path(path).resolve()
    with _instances_lock:
        db = _instances.get(p)
        if db is None:
            db = _instances[p] = Database(p, on_create=on_create)
        return db


def is_open(path: str | os.PathLike[str] | None = None) -> bool:
    """True while this process holds a Database for the path."""
    p = db_path(path).resolve()
    with _instances_lock:
        return p in _instances


def close_database(path: str | os.PathLike[str] | None = None) -> None:
    p = db_path(path).resolve()
    with _instances_lock:
        db = _instances.pop(p, None)
    if db is not None:
        db.close()


@contextmanager
def holding_writer(path: str | os.PathLike[str] | None = None, *, wait: float | None = None) -> Iterator[None]:
    """The store's writer lock without opening the writer's file (restore replaces the file), then a publish.

    Goes through this process's Database when it has one, so its own writing threads wait too.
    """
    p = db_path(path).resolve()
    with _instances_lock:
        db = _instances.get(p)
    if db is not None:
        with db.holding_writer(wait=wait):
            yield
        return
    lock = pub.WriterLock(p)
    lock.acquire(pub.lock_wait() if wait is None else wait)
    try:
        yield
        if p.exists():
            pub.publish(p, schema=schema_hash())
    finally:
        lock.release()
