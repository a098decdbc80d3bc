"""Where the database lives and the one place that opens it."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from store.columns import sql_columns

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "gov.duckdb"
SCHEMA_VERSION = "1"


class StoreError(Exception):
    """A problem the user can act on; the CLI prints it without a traceback."""


class StoreInUse(StoreError):
    """Another process holds the database file."""


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database path: an explicit argument, else GOV_DB, else data/gov.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("GOV_DB")
    return Path(env) if env else DEFAULT_DB


def schema_sql() -> str:
    text = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
    return text.replace("{canonical_columns}", sql_columns())


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a database file, turning DuckDB's lock error into a message a person can act on."""
    if read_only and not path.exists():
        raise StoreError(f"database {path} does not exist; run: python -m store bootstrap --db {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreInUse(
                f"database {path} is in use by another process (the dashboard?); "
                "import through the dashboard's import page, or stop it first"
            ) from exc
        raise StoreError(f"cannot open database {path}: {exc}") from exc


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(schema_sql())
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )


class Database:
    """One DuckDB instance per process: cursors for readers, a lock-guarded transaction for the writer.

    DuckDB allows one read-write process per file; inside it, readers on their own cursors see a
    consistent snapshot while the single writer commits, so viewers never see half an import.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con = connect(path)
        ensure_schema(self._con)
        self._write_lock = threading.Lock()

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor for reads; callers run SELECTs only (viewer paths never write)."""
        return self._con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The only write path: one writer at a time, all or nothing."""
        with self._write_lock:
            cur = self._con.cursor()
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

    def close(self) -> None:
        self._con.close()


_instances: dict[Path, Database] = {}
_instances_lock = threading.Lock()


def open_database(path: str | os.PathLike[str] | None = None) -> Database:
    """The process-wide Database for a path (one DuckDB instance per file per process)."""
    p = db_path(path).resolve()
    with _instances_lock:
        db = _instances.get(p)
        if db is None:
            db = _instances[p] = Database(p)
        return db


def close_database(path: str | os.PathLike[str] | None = None) -> None:
    p = db_path(path).resolve()
    with _instances_lock:
        db = _instances.pop(p, None)
    if db is not None:
        db.close()
