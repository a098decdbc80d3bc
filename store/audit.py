"""The sign-in log: an append-only SQLite file beside the store, written by every dashboard process.

Not a table of the DuckDB store, on purpose. Every write to the store publishes a new snapshot (a copy
of the whole file: 83 MB at national scale) and moves the data version that every viewer's shared views
are keyed on (store/publish.py, ui/cache.py); thirty people signing in before a meeting would copy the
store thirty times and rebuild every page thirty times. A sign-in line is a few bytes that nothing but
the administrators' log reads, and several server processes append to it at once: SQLite in WAL mode
does exactly that (one short write transaction per line, readers never blocked).

Where: `GOV_AUDIT` if set, else `<GOV_DB without .duckdb>.audit.sqlite` (data/gov.audit.sqlite).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

import polars as pl

from store.db import db_path

SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_log (
    log_id INTEGER PRIMARY KEY AUTOINCREMENT,
    logged_at TEXT NOT NULL,            -- ISO 8601, local time of the server
    event TEXT NOT NULL,                -- signed_in, failed
    user_name TEXT NOT NULL,            -- as typed (an unknown name is logged too)
    address TEXT NOT NULL,              -- the client's address ('' when unknown)
    detail TEXT
)
"""
COLUMNS: dict[str, pl.DataType] = {
    "logged_at": pl.Datetime("us"), "event": pl.String(), "user_name": pl.String(), "address": pl.String(),
    "detail": pl.String(),
}


def audit_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The log's file: GOV_AUDIT, else beside the store's writer file."""
    env = os.environ.get("GOV_AUDIT")
    if env:
        return Path(env)
    p = db_path(db)
    return p.with_name(p.name.removesuffix(".duckdb") + ".audit.sqlite")


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=10.0)) as con:
        con.execute("PRAGMA journal_mode=WAL")  # several server processes append; readers never wait
        con.execute(SCHEMA)
        yield con


def append(path: Path, event: str, user_name: str, address: str, *, detail: str | None = None,
           when: datetime | None = None) -> None:
    """One line: when, what, the user name as typed (capped), the client's address (capped)."""
    with _connect(path) as con, con:
        con.execute(
            "INSERT INTO auth_log (logged_at, event, user_name, address, detail) VALUES (?, ?, ?, ?, ?)",
            [(when or datetime.now()).isoformat(timespec="microseconds"), event, user_name[:128], address[:64],
             detail],
        )


def latest(path: Path, limit: int = 200) -> pl.DataFrame:
    """The newest `limit` lines, newest first: one row per event (logged_at, event, user_name, address, detail)."""
    if not path.exists():
        return pl.DataFrame(schema=COLUMNS)
    with _connect(path) as con:
        rows = con.execute(
            "SELECT logged_at, event, user_name, address, detail FROM auth_log ORDER BY log_id DESC LIMIT ?",
            [int(limit)],
        ).fetchall()
    frame = pl.DataFrame(rows, schema={c: pl.String for c in COLUMNS}, orient="row")
    return frame.with_columns(pl.col("logged_at").str.to_datetime(time_unit="us"))
