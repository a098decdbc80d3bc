"""Reader cursors: DuckDB cursors on a published snapshot that run SELECTs and nothing else."""

from __future__ import annotations

import atexit
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from store.errors import ReadOnlyViolation

if TYPE_CHECKING:  # the Database hands out cursors; a cursor asks it for the newest snapshot
    from store.db import Database, _Lease


@dataclass(frozen=True)
class Published:
    """The snapshot a reader is on: its data version and file (immutable while held)."""

    version: str
    path: Path


# ---- read-only cursors -----------------------------------------------------------------------------
# SELECT (DESCRIBE, SHOW, SUMMARIZE and VALUES parse as SELECT) is the only statement a reader runs.
# Inside a SELECT, functions with side effects or outside access are refused too: sequences, files,
# executing other SQL, checkpoints, logging. A table name that looks like a file path (DuckDB reads
# 'x.csv' as a file) is refused as well.
_READ_STATEMENTS = frozenset({duckdb.StatementType.SELECT})
_FORBIDDEN_FUNCTIONS = frozenset({
    "nextval", "setval", "currval", "glob", "query", "query_table", "json_execute_serialized_sql", "sniff_csv",
    "checkpoint", "force_checkpoint", "which_secret", "duckdb_secrets", "write_log", "sleep_ms", "getenv",
    "python_map_function", "truncate_duckdb_logs", "enable_logging", "disable_logging", "enable_profiling",
    "disable_profiling", "register_external_resource", "register_external_resource_type",
    "create_external_resource", "deregister_external_resource", "destroy_external_resource",
})
_FORBIDDEN_PREFIXES = ("read_", "parquet_", "iceberg_", "delta_", "sqlite_", "postgres_", "mysql_", "ducklake_")
_parser_con: list[duckdb.DuckDBPyConnection] = []
_parser_lock = threading.Lock()


def _close_parser() -> None:
    with _parser_lock:
        while _parser_con:
            _parser_con.pop().close()


atexit.register(_close_parser)


def _forbidden_in(node: Any) -> str | None:
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str):
            low = name.lower()
            if low in _FORBIDDEN_FUNCTIONS or low.startswith(_FORBIDDEN_PREFIXES) or low.endswith("_scan"):
                return f"function {name}()"
        if node.get("type") == "BASE_TABLE":
            table = str(node.get("table_name", ""))
            if any(ch in table for ch in "./\\:"):
                return f"file or URL {table!r}"
        for value in node.values():
            found = _forbidden_in(value)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _forbidden_in(value)
            if found:
                return found
    return None


@lru_cache(maxsize=4096)
def read_only_problem(query: str) -> str | None:
    """Why `query` is not a pure read, or None if it is (parsed by DuckDB itself, never by a regex)."""
    with _parser_lock:  # a private in-memory database, only ever used to parse
        if not _parser_con:
            _parser_con.append(duckdb.connect(":memory:"))
        con = _parser_con[0]
        try:
            kinds = [statement.type for statement in con.extract_statements(query)]
        except duckdb.Error:
            return None  # not SQL at all: running it raises DuckDB's own parser error, and nothing runs
        for kind in kinds:
            if kind not in _READ_STATEMENTS:
                return f"{kind.name} statement"
        try:
            tree = json.loads(con.execute("SELECT json_serialize_sql(?::VARCHAR)", [query]).fetchall()[0][0])
        except (duckdb.Error, ValueError) as exc:
            return f"unparseable query ({exc})"
    if tree.get("error"):
        return f"unparseable query ({tree.get('error_message', '')})"
    return _forbidden_in(tree.get("statements"))


def check_read_only(query: object) -> None:
    if not isinstance(query, str):
        raise ReadOnlyViolation("a reader cursor runs SQL text only")
    problem = read_only_problem(query)
    if problem:
        raise ReadOnlyViolation(f"a reader cursor only runs reads: refused {problem}")


_RELATION_WRITES = frozenset({
    "insert", "insert_into", "create", "create_view", "to_table", "to_view", "update", "query",
    "write_csv", "to_csv", "write_parquet", "to_parquet",
})


class ReadRelation:
    """A DuckDB relation from a reader cursor, minus the methods that write (insert_into, create, to_parquet, ...).

    It keeps its cursor's lease, so the snapshot it reads stays open while the relation lives."""

    __slots__ = ("_rel", "_lease")

    def __init__(self, rel: duckdb.DuckDBPyRelation, lease: _Lease | None = None) -> None:
        self._rel = rel
        self._lease = lease

    def __getattr__(self, name: str) -> Any:
        if name in _RELATION_WRITES:
            raise ReadOnlyViolation(f"a reader relation cannot {name}")
        value = getattr(self._rel, name)
        if isinstance(value, duckdb.DuckDBPyRelation):
            return ReadRelation(value, self._lease)
        if callable(value):
            def call(*args: Any, **kwargs: Any) -> Any:
                out = value(*args, **kwargs)
                return ReadRelation(out, self._lease) if isinstance(out, duckdb.DuckDBPyRelation) else out
            return call
        return value

    def __getitem__(self, key: Any) -> Any:
        out = self._rel[key]
        return ReadRelation(out, self._lease) if isinstance(out, duckdb.DuckDBPyRelation) else out

    def __len__(self) -> int:
        return len(self._rel)

    def __repr__(self) -> str:
        return repr(self._rel)

    def __str__(self) -> str:
        return str(self._rel)


class ReadCursor:
    """What Database.reader() returns: a DuckDB cursor that runs SELECTs and nothing else.

    sql/query/execute check every statement with DuckDB's own parser (statement type, then the
    functions and table names inside); fetches, close and register/unregister (a temporary view of a
    Python frame, local to this cursor) pass through; every other connection method is refused.
    Each statement reads the newest published snapshot, as a plain DuckDB cursor sees the newest
    commit; a pinned cursor (reader(at=...), inside snapshot(), after register()) stays where it is.
    """

    __slots__ = ("_db", "_lease", "_pinned", "__weakref__")
    _PASS = frozenset({
        "fetchall", "fetchone", "fetchmany", "fetchnumpy", "fetchdf", "fetch_df", "fetch_df_chunk", "df", "pl",
        "fetch_arrow_table", "fetch_record_batch", "to_arrow_table", "description", "rowcount",
        "unregister", "interrupt", "complete",
    })

    def __init__(self, db: Database, lease: _Lease, *, pinned: bool = False) -> None:
        self._db = db
        self._lease = lease
        self._pinned = pinned

    def _statement(self) -> duckdb.DuckDBPyConnection:
        """The raw cursor the next statement runs on (moved to the newest snapshot unless pinned)."""
        if not self._pinned:
            fresh = self._db._fresh(self._lease)
            if fresh is not self._lease:
                self._lease = fresh  # the old lease is released once no relation of it is left
        return self._lease.cur

    def sql(self, query: str, *, alias: str = "", params: object = None) -> ReadRelation | None:
        check_read_only(query)
        cur = self._statement()
        rel = cur.sql(query, alias=alias, params=params) if params is not None else cur.sql(query, alias=alias)
        return None if rel is None else ReadRelation(rel, self._lease)

    query = sql

    def execute(self, query: str, parameters: object = None) -> ReadCursor:
        check_read_only(query)
        cur = self._statement()
        if parameters is None:
            cur.execute(query)
        else:
            cur.execute(query, parameters)
        return self

    def register(self, name: str, frame: object) -> Any:
        """A temporary view of a Python frame, local to this cursor: the cursor stays on its snapshot from now on."""
        self._pinned = True
        return self._lease.cur.register(name, frame)

    @contextmanager
    def snapshot(self) -> Iterator[ReadCursor]:
        """Several reads that see one consistent state: a READ ONLY transaction (DuckDB itself refuses writes in it).

        Materialise results inside the block; the transaction ends when it closes.
        """
        cur = self._statement()
        was, self._pinned = self._pinned, True
        cur.execute("BEGIN TRANSACTION READ ONLY")
        try:
            yield self
        finally:
            cur.execute("COMMIT")
            self._pinned = was

    def table(self, name: str) -> ReadRelation:
        if not isinstance(name, str) or any(ch in name for ch in "./\\:'\";"):
            raise ReadOnlyViolation(f"not a table name: {name!r}")
        return ReadRelation(self._statement().table(name), self._lease)

    @property
    def published(self) -> Published | None:
        """The snapshot this cursor's last statement read (None while it reads a writer's own state)."""
        snap = self._lease.snap
        return None if snap is None else Published(snap.version, snap.path)

    def close(self) -> None:
        self._lease.close()

    def __getattr__(self, name: str) -> Any:
        if name in self._PASS:
            return getattr(self._lease.cur, name)
        raise ReadOnlyViolation(f"a reader cursor cannot {name}: it only runs reads")

    def __enter__(self) -> ReadCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
