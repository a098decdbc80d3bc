"""Published snapshots: the writer's file copied, verified and swapped in atomically, for every reader process.

Why (DuckDB 2.0, verified on this machine): a database file is open read-write in ONE process, or
read-only in several, never both. DuckDB enforces it with fcntl locks on the file (F_WRLCK when
read-write, F_RDLCK when read-only), so a dashboard that held the file read-write made every
`python -m store import|backup|export|rollback` fail with "in use". DuckDB offers nothing better
here: DuckLake (its multi-reader catalog format) is an extension that cannot be installed on this
network (PyPI's packaged extensions stop at 1.5.5 and do not load into 2.0), and with a DuckDB-file
catalog it is single-process too. So the store is split in two:

    gov.duckdb                            the writer's file: opened read-write only while a write runs
    gov.duckdb.lock                       the writer lock (flock), holding who writes and since when
    published/gov.current                 the pointer: JSON naming the current snapshot; its version is
                                          the data version every page's cache is keyed on
    published/gov-000042-1a2b3c4d.duckdb  immutable snapshots, opened read-only by every reader process

(`published/` sits next to GOV_DB; GOV_PUBLISHED_DIR moves it, e.g. to shared storage.)

A publish runs under the writer lock right after a write: CHECKPOINT and close the writer (so the
file holds everything and no write-ahead log is left), copy it to a hidden `.part` name, fsync,
open the copy read-only and read every block (a damaged copy is never published), rename it to its
snapshot name, then replace the pointer (write a temporary file, fsync, rename, fsync the folder).
A crash at any step leaves the old pointer and the old snapshot in place; the debris (`.part`,
orphaned snapshots) goes at the next publish. Readers see the old snapshot or the new one, whole.

Old snapshots go once superseded for GRACE seconds AND not open anywhere. "Open" is asked of the
kernel: every process that reads a snapshot holds a read lock on it (DuckDB's own F_RDLCK, and an
open-file-description lock this code adds, which survives the POSIX rule that closing any other
descriptor of the file drops a process's fcntl locks), and the collector probes with F_OFD_GETLK.
The grace covers what the probe cannot see (a reader between reading the pointer and opening the
file; locks a network filesystem does not share). Even a snapshot removed under a reader does not
break it: on Linux an unlinked file stays readable through the descriptors already open, and DuckDB
reads blocks through its open descriptor; it never reopens the path (tested in tests/test_publish.py).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import socket
import struct
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from store.errors import StoreBusy, StoreDamaged, StoreError, check_readable, damaged_message

PUBLISHED_ENV = "GOV_PUBLISHED_DIR"
LOCK_WAIT_ENV = "GOV_LOCK_WAIT"
GRACE_ENV = "GOV_SNAPSHOT_GRACE"
DEFAULT_LOCK_WAIT = 60.0  # seconds a writer waits for another (the dashboard's import page, a CLI import)
DEFAULT_GRACE = 60.0  # seconds a superseded, unlocked snapshot is kept (see the module docstring)
_FLOCK = "hhqqi"  # struct flock on Linux x86-64/arm64: l_type, l_whence, l_start, l_len, l_pid


def published_dir(writer: Path) -> Path:
    """Where the snapshots of the writer's store live: GOV_PUBLISHED_DIR, else `published/` next to it."""
    env = os.environ.get(PUBLISHED_ENV, "").strip()
    return Path(env) if env else writer.parent / "published"


def pointer_path(writer: Path) -> Path:
    return published_dir(writer) / f"{writer.stem}.current"


def lock_path(writer: Path) -> Path:
    return writer.with_name(writer.name + ".lock")


def _seconds(env: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(env, "") or default))
    except ValueError:
        return default


def lock_wait() -> float:
    return _seconds(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT)


def grace() -> float:
    return _seconds(GRACE_ENV, DEFAULT_GRACE)


def fingerprint(path: Path) -> list[int] | None:
    """Identity of the writer's file as published (inode, size, mtime): a write changes it, a read does not."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


# ---- the pointer --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pointer:
    """What `<stem>.current` says: the current snapshot, and the writer state it was copied from."""

    version: str  # "<serial>-<token>": the data version; the token keeps it unique if published/ is ever wiped
    serial: int
    snapshot: str  # file name inside the published folder
    writer: list[int] | None  # fingerprint() of the writer's file when it was copied
    schema: str  # sha256 of the schema.sql it was published under
    published_at: str
    bytes: int


_SNAPSHOT = r"-(\d{6,})-([0-9a-f]{8})\.duckdb"


def snapshot_name(writer: Path, serial: int, token: str) -> str:
    return f"{writer.stem}-{serial:06d}-{token}.duckdb"


def snapshot_for(writer: Path, version: str) -> Path | None:
    """The snapshot file a version names (it may have been collected since)."""
    match = re.fullmatch(r"(\d+)-([0-9a-f]{8})", version)
    return published_dir(writer) / snapshot_name(writer, int(match[1]), match[2]) if match else None


def snapshots(writer: Path) -> list[tuple[int, Path]]:
    """(serial, path) of every snapshot of this writer in the published folder, oldest first."""
    folder = published_dir(writer)
    pattern = re.compile(re.escape(writer.stem) + _SNAPSHOT)
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted((int(m[1]), folder / name) for name in names if (m := pattern.fullmatch(name)))


def read_pointer(writer: Path) -> Pointer | None:
    """The current pointer, or None when nothing is published yet (or the pointer is unreadable: republish)."""
    try:
        data = json.loads(pointer_path(writer).read_text(encoding="utf-8"))
        return Pointer(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):
        return None


def _fsync(path: Path) -> None:
    """Flush a file's data, or a folder's entries (a rename is durable once its folder is synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_pointer(writer: Path, pointer: Pointer) -> None:
    """Replace the pointer atomically: a reader reads the old one or the new one, whole."""
    target = pointer_path(writer)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(pointer), ensure_ascii=False), encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, target)
    _fsync(target.parent)


# ---- publish ------------------------------------------------------------------------------------
def publish(writer: Path, *, schema: str, keep: Iterable[Path] = (), collect: bool = True) -> Pointer:
    """Copy the (closed, checkpointed) writer file into a new snapshot and point readers at it.

    The caller holds the WriterLock and has closed its read-write connection. `keep`: snapshots this
    process has open (its locks cannot be probed from inside), never collected; `collect=False` leaves
    collection to the caller (a Database collects after it has moved its own readers to the new one).
    """
    if Path(str(writer) + ".wal").exists():
        raise StoreError(f"{writer} has a write-ahead log left: a writer did not close cleanly; nothing was published")
    folder = published_dir(writer)
    folder.mkdir(parents=True, exist_ok=True)
    old = read_pointer(writer)
    serial = max([old.serial if old else 0, *(s for s, _ in snapshots(writer))]) + 1
    token = secrets.token_hex(4)
    name = snapshot_name(writer, serial, token)
    part = folder / f".{name}.part"
    before = fingerprint(writer)
    try:
        shutil.copyfile(writer, part)
        _fsync(part)
        size = part.stat().st_size
        if before is None or size != before[1] or fingerprint(writer) != before:
            raise StoreError(f"{writer} changed while it was being published; nothing was published")
        verify_snapshot(part, writer)
        final = folder / name
        os.replace(part, final)
        _fsync(folder)
    finally:
        part.unlink(missing_ok=True)
    pointer = Pointer(version=f"{serial}-{token}", serial=serial, snapshot=name,
                      writer=before, schema=schema, published_at=datetime.now().isoformat(timespec="seconds"),
                      bytes=size)
    write_pointer(writer, pointer)
    if collect:
        collect_garbage(writer, pointer, keep=keep)
    return pointer


def verify_snapshot(path: Path, writer: Path) -> None:
    """Open a snapshot read-only and read every block: StoreDamaged (naming the writer's file) if any fails."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreDamaged(damaged_message(writer, f"{type(exc).__name__}: {exc}")) from exc
    try:
        check_readable(con, writer)
    finally:
        con.close()


# ---- who reads a snapshot -----------------------------------------------------------------------
def hold_shared(path: Path) -> int | None:
    """A read lock on a snapshot for as long as this process reads it (close the returned descriptor after
    closing DuckDB's connection). An open-file-description lock: closing another descriptor of the file
    (a backup copying it) does not drop it, as it would drop DuckDB's own fcntl lock."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0))
    except (OSError, AttributeError):
        pass  # no OFD locks here: the grace period alone protects the snapshot
    return fd


def in_use_elsewhere(path: Path) -> bool:
    """True if another process (DuckDB read-only, or hold_shared) has a lock on the file; True when unsure.

    Never call it on a file this process has open: closing the probe's descriptor would drop this
    process's own DuckDB lock on it (the POSIX fcntl rule).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        got = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        return struct.unpack(_FLOCK, got)[0] != fcntl.F_UNLCK
    except (OSError, AttributeError):
        return True
    finally:
        os.close(fd)


def collect_garbage(writer: Path, current: Pointer, *, keep: Iterable[Path] = (), grace_s: float | None = None,
                    now: float | None = None) -> list[Path]:
    """Remove old snapshots (superseded > grace ago and not open anywhere) and publish debris. Run under the lock.

    A snapshot's superseded time is when the next one was made (its mtime). Returns what was removed.
    """
    grace_s = grace() if grace_s is None else grace_s
    now = time.time() if now is None else now
    kept = {Path(p).resolve() for p in keep}
    folder = published_dir(writer)
    removed: list[Path] = []
    for name in os.listdir(folder) if folder.is_dir() else []:
        debris = folder / name
        if name.startswith(f".{writer.stem}-") and name.endswith(".part") or \
                name.startswith(f".{writer.stem}.current.") and name.endswith(".tmp"):
            debris.unlink(missing_ok=True)  # only a publish makes these, and none runs while we hold the lock
            removed.append(debris)
    found = snapshots(writer)
    mtimes = {}
    for serial, path in found:
        try:
            mtimes[serial] = path.stat().st_mtime
        except FileNotFoundError:
            continue
    for serial, path in found:
        if path.name == current.snapshot or serial not in mtimes or path.resolve() in kept:
            continue
        later = [m for s, m in mtimes.items() if s > serial]
        superseded_at = min(later) if later else mtimes[serial]
        if now - superseded_at < grace_s or in_use_elsewhere(path):
            continue
        path.unlink(missing_ok=True)
        shutil.rmtree(Path(str(path) + ".tmp"), ignore_errors=True)  # a read-only reader's spill folder, if any
        removed.append(path)
    return removed


# ---- the writer lock ----------------------------------------------------------------------------
def _doing() -> str:
    """What this process is, for the busy message another writer reads ("python -m store import x.csv")."""
    argv = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:3]]
    return " ".join(argv)[:120]


class WriterLock:
    """The store's one-writer lock: flock on `<GOV_DB>.lock`, waited for at most `wait` seconds.

    flock locks belong to an open file description, so two threads (each acquiring through its own
    WriterLock) exclude each other as two processes do. The file is never deleted (that would race).
    """

    def __init__(self, writer: Path) -> None:
        self.writer = writer
        self.path = lock_path(writer)
        self._fd: int | None = None

    def acquire(self, wait: float, what: str | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.close(fd)
                    raise StoreBusy(busy_message(self.writer, self.holder(), wait)) from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.2)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "what": what or _doing(),
                "since": datetime.now().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"), 0)
        self._fd = fd

    def holder(self) -> dict:
        """Who holds the lock, as the holder wrote it ({} if unknown)."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.ftruncate(fd, 0)
            finally:
                os.close(fd)  # closing the description releases the flock

    def __enter__(self) -> WriterLock:
        self.acquire(lock_wait())
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def busy_message(writer: Path, holder: dict, waited: float) -> str:
    who = holder.get("what") or "another writer"
    where = f" (pid {holder['pid']} on {holder.get('host', '?')})" if holder.get("pid") else ""
    since = f" since {holder['since']}" if holder.get("since") else ""
    return (
        f"the store {writer} is busy: {who}{where} has been writing{since}; waited {waited:.0f} s. "
        f"Nothing was changed: try again when it has finished ({LOCK_WAIT_ENV} sets how long to wait)"
    )
