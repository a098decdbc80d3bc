"""Backup and restore: one DuckDB file with every table (the original files' blobs included) and the sequences.

Backup copies the current published snapshot (store/publish.py): an immutable, checkpointed DuckDB
file, so the copy needs no lock and never waits for an import; a backup taken while an import runs
holds the state before it or after it, whole. The copy gets one more table, backup_manifest (format,
time, schema version, row count and checksum per table, sequence values), counted from the snapshot
through its own read-only connection, and is then verified against it. Sequences travel with the
bytes, so ids continue after a restore; restore drops the manifest again, so a restored database
holds exactly the original rows.

Restore is atomic and refuses rather than guesses:
1. the backup must open read-only, read back every block, carry a manifest and match its row counts;
2. it takes the store's writer lock (waiting at most GOV_LOCK_WAIT seconds for an import to finish),
   and refuses while a process outside this code holds the writer's file open;
3. the database is rebuilt in a temporary file next to the target, verified (schema as this version
   of the code defines it, row counts, sequences), checkpointed, then moved over the target with
   os.replace; a stale write-ahead log of the old file is removed first. Until that rename the
   target is untouched. Then the restored state is published: dashboards move to it like to an import.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from store.access import Actor, Permission, require
from store.db import (
    SCHEMA_VERSION, Database, StoreDamaged, StoreError, StoreInUse, check_readable, holding_writer, schema_sql,
)

try:  # POSIX: the same kind of lock DuckDB takes on the database file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FORMAT = "gov-dashboard-backup-1"
MANIFEST = "backup_manifest"
_OUT_ALIAS = "gov_backup_out"
_IN_ALIAS = "gov_backup_in"


class BackupRefused(StoreError):
    """The backup file (or the output name) is not acceptable; nothing was changed."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    schema_version: str
    counts: dict[str, int]
    sequences: dict[str, int]  # last value handed out (start - 1 when none yet)
    checksums: dict[str, int]  # per table: bit_xor of every row's hash (order-free, content-sensitive)


def _literal(text: str) -> str:
    """A SQL string literal for a file path the operator gave (ATTACH takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name",
        [database],
    ).fetchall()
    return [r[0] for r in rows]


def fingerprints(con: duckdb.DuckDBPyConnection, database: str | None = None) -> dict[str, tuple[int, int]]:
    """table -> (rows, checksum of every row's content) for a database (default: the current one)."""
    if database is None:
        database = con.execute("SELECT current_database()").fetchall()[0][0]
    out = {}
    for t in _tables(con, database):
        n, h = con.execute(f"SELECT count(*), coalesce(bit_xor(hash(x)), 0) FROM {_ident(database)}.main.{_ident(t)} AS x").fetchall()[0]
        out[t] = (int(n), int(h))
    return out


def _sequences(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    rows = con.execute(
        "SELECT sequence_name, start_value, last_value FROM duckdb_sequences() WHERE database_name = ? ORDER BY 1",
        [database],
    ).fetchall()
    return {name: int(last) if last is not None else int(start) - 1 for name, start, last in rows}


def _columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name, column_index",
        [database],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return out


def expected_columns() -> dict[str, list[tuple[str, str]]]:
    """Tables and columns as this version of the code defines them (schema.sql)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(schema_sql())
        return _columns(con, "memory")
    finally:
        con.close()


# ---- backup -------------------------------------------------------------------------------------
def backup_database(db: Database, out: str | os.PathLike[str], *, actor: str | Actor = "local") -> Manifest:
    """Copy the published snapshot (every table and sequence) into a new DuckDB file at OUT (never
    overwritten), add the manifest, then verify the copy against it. Needs no lock: imports go on."""
    require(actor, Permission.BACKUP)
    out = Path(out)
    if out.exists():
        raise BackupRefused(f"{out} already exists; a backup never overwrites a file: choose a new name")
    if not out.parent.is_dir():
        raise BackupRefused(f"folder {out.parent} does not exist")
    tmp = out.with_name(out.name + ".part")
    for stale in (tmp, Path(str(tmp) + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        with db.pinned() as (snap, reader):  # held open: never collected while it is copied
            shutil.copyfile(snap.path, tmp)
            source = reader.execute("SELECT current_database()").fetchall()[0][0]
            prints = fingerprints(reader, source)
            manifest = Manifest(
                created_at=datetime.now().isoformat(timespec="seconds"),
                schema_version=SCHEMA_VERSION,
                counts={t: n for t, (n, _) in prints.items()},
                sequences=_sequences(reader, source),
                checksums={t: h for t, (_, h) in prints.items()},
            )
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"CREATE TABLE {MANIFEST} (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
            con.executemany(
                f"INSERT INTO {MANIFEST} VALUES (?, ?)",
                [["format", FORMAT], ["created_at", manifest.created_at], ["schema_version", manifest.schema_version],
                 ["counts", json.dumps(manifest.counts)], ["sequences", json.dumps(manifest.sequences)],
                 ["checksums", json.dumps(manifest.checksums)]],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        verify_backup(tmp)  # the copy against what the snapshot itself counted
        os.replace(tmp, out)
    except duckdb.Error as exc:
        raise BackupRefused(f"backup to {out} failed ({str(exc)[:200]}); nothing was written") from exc
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return manifest


# ---- verification -------------------------------------------------------------------------------
def read_manifest(con: duckdb.DuckDBPyConnection, path: Path) -> Manifest:
    try:
        rows = dict(con.execute(f"SELECT key, value FROM {MANIFEST}").fetchall())
    except duckdb.Error as exc:
        raise BackupRefused(f"{path} is a DuckDB file but not a backup made by `python -m store backup` (no manifest)") from exc
    if rows.get("format") != FORMAT:
        raise BackupRefused(f"{path}: unknown backup format {rows.get('format')!r}")
    try:
        return Manifest(rows["created_at"], rows["schema_version"], json.loads(rows["counts"]), json.loads(rows["sequences"]),
                        json.loads(rows["checksums"]))
    except (KeyError, ValueError) as exc:
        raise BackupRefused(f"{path}: the backup manifest is incomplete ({exc})") from exc


def verify_backup(path: str | os.PathLike[str]) -> Manifest:
    """Open a backup read-only, read every block, and check it against its manifest; BackupRefused if anything is off."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(f"backup {path} does not exist")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise BackupRefused(f"backup {path} is damaged or not a DuckDB 2.0 file ({str(exc)[:200]}); nothing was changed") from exc
    try:
        try:
            check_readable(con, path)
        except StoreDamaged as exc:
            raise BackupRefused(f"backup {path} is damaged ({str(exc.__cause__ or exc)[:200]}); nothing was changed") from exc
        manifest = read_manifest(con, path)
        actual = {t: v for t, v in fingerprints(con).items() if t != MANIFEST}
        if actual != _expected_prints(manifest):
            raise BackupRefused(f"backup {path} does not match its manifest (rows or checksums differ); nothing was changed")
        return manifest
    finally:
        con.close()


def _expected_prints(manifest: Manifest) -> dict[str, tuple[int, int]]:
    return {t: (int(n), int(manifest.checksums.get(t, -1))) for t, n in manifest.counts.items()}


def _verify_restored(path: Path, manifest: Manifest) -> None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        check_readable(con, path)
        database = con.execute("SELECT current_database()").fetchall()[0][0]
        expected, actual = expected_columns(), _columns(con, database)
        if actual != expected:
            missing = sorted(set(expected) - set(actual))
            extra = sorted(set(actual) - set(expected))
            changed = sorted(t for t in set(expected) & set(actual) if expected[t] != actual[t])
            raise BackupRefused(
                f"the backup's tables do not match this version's schema (missing {missing}, extra {extra}, "
                f"different columns {changed}); nothing was changed"
            )
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        if not version or version[0][0] != SCHEMA_VERSION:
            raise BackupRefused(f"the backup has schema version {version[0][0] if version else None}, this code {SCHEMA_VERSION}")
        if fingerprints(con, database) != _expected_prints(manifest):
            raise BackupRefused("the restored rows differ from the backup's manifest (rows or checksums); nothing was changed")
        sequences = _sequences(con, database)
        behind = {k: v for k, v in manifest.sequences.items() if sequences.get(k, -1) < v}
        if behind:
            raise BackupRefused(f"restored sequences are behind the backup's ({behind}); nothing was changed")
    finally:
        con.close()


# ---- restore ------------------------------------------------------------------------------------
@contextmanager
def _exclusive_file(target: Path) -> Iterator[None]:
    """Hold the target's lock (as DuckDB does) until it has been replaced: nobody opens it meanwhile.

    Under the writer lock no process of this code has the file open; this refuses a process outside it
    (an older dashboard that holds the file for its whole life, a duckdb shell)."""
    if not target.exists():
        yield
        return
    fd = os.open(target, os.O_RDWR)
    try:
        if fcntl is not None:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                raise StoreInUse(
                    f"database {target} is in use by another process that does not take the store's writer lock "
                    "(an older version of the dashboard? a duckdb shell?); stop it before restoring (nothing was changed)"
                ) from exc
        else:  # pragma: no cover - Windows: ask DuckDB itself
            try:
                duckdb.connect(str(target)).close()
            except duckdb.IOException as exc:
                if "lock" in str(exc).lower():
                    raise StoreInUse(f"database {target} is in use by another process; stop it before restoring") from exc
            except duckdb.Error:
                pass  # damaged: exactly what a restore is for
        yield
    finally:
        os.close(fd)


def restore_database(backup: str | os.PathLike[str], target: str | os.PathLike[str], *, actor: str | Actor = "local") -> Manifest:
    """Replace TARGET with the contents of BACKUP, atomically; refuses (target unchanged) on any doubt."""
    require(actor, Permission.BACKUP)
    backup, target = Path(backup), Path(target)
    if backup.resolve() == target.resolve():
        raise BackupRefused("the backup and the target are the same file")
    manifest = verify_backup(backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    with holding_writer(target), _exclusive_file(target):  # then published: readers move to the restored state
        tmp = target.with_name(f".{target.name}.restore-{os.getpid()}")
        tmp_wal = Path(str(tmp) + ".wal")
        for stale in (tmp, tmp_wal):
            stale.unlink(missing_ok=True)
        try:
            con = duckdb.connect(str(tmp))
            try:
                into = con.execute("SELECT current_database()").fetchall()[0][0]
                con.execute(f"ATTACH {_literal(str(backup))} AS {_IN_ALIAS} (READ_ONLY)")
                try:
                    con.execute(f"COPY FROM DATABASE {_IN_ALIAS} TO {_ident(into)}")
                finally:
                    con.execute(f"DETACH {_IN_ALIAS}")
                con.execute(f"DROP TABLE {MANIFEST}")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            if tmp_wal.exists():
                raise StoreError(f"restore left a write-ahead log at {tmp_wal}; nothing was changed")
            _verify_restored(tmp, manifest)
            Path(str(target) + ".wal").unlink(missing_ok=True)  # the old file's log must not replay onto the new one
            os.replace(tmp, target)
        except duckdb.Error as exc:
            raise BackupRefused(f"restore from {backup} failed ({str(exc)[:200]}); nothing was changed") from exc
        finally:
            tmp.unlink(missing_ok=True)
            tmp_wal.unlink(missing_ok=True)
    return manifest


def backup_bytes(db: Database, *, actor: str | Actor = "local") -> bytes:
    """A verified backup as bytes, for the dashboard's download button."""
    import tempfile

    require(actor, Permission.BACKUP)
    with tempfile.TemporaryDirectory(prefix="gov-backup-") as tmp:
        out = Path(tmp) / "backup.duckdb"
        backup_database(db, out, actor=actor)
        return out.read_bytes()
