"""Where the database lives and the one place that opens it."""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

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


class StoreDamaged(StoreError):
    """The database file cannot be opened or read: damaged, truncated, or not a DuckDB 2.0 database."""


class ReadOnlyViolation(StoreError):
    """A reader cursor was asked to do something other than read."""


def damaged_message(path: Path, detail: str) -> str:
    """What a person reads when the database file is damaged: what happened and exactly how to recover."""
    return (
        f"database {path} is damaged or is not a DuckDB 2.0 database ({detail[:200]}). "
        f"Restore it from a backup: python -m store restore BACKUP --db {path} ; "
        f"or delete the file and run: python -m store bootstrap --db {path} "
        "(rebuilds the published figures and the sample datasets; imported datasets are lost)"
    )


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
        if "could not set lock" in str(exc).lower():
            raise StoreInUse(
                f"database {path} is in use by another process (the dashboard?); "
                "import through the dashboard's import page, or stop it first"
            ) from exc
        if path.exists():
            raise StoreDamaged(damaged_message(path, str(exc))) from exc
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    except duckdb.Error as exc:  # checksum mismatch, wrong version, serialization errors: the file is unusable
        raise StoreDamaged(damaged_message(path, f"{type(exc).__name__}: {exc}")) from exc


def check_readable(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read every column of every table once (a truncated file opens, then fails on the blocks it lost)."""
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchall()]
        for name in tables:
            ident = '"' + name.replace('"', '""') + '"'  # a name from the catalog, quoted
            con.execute(f"SELECT count(*), bit_xor(hash(_gov_row_)) FROM {ident} AS _gov_row_").fetchall()
    except duckdb.Error as exc:
        raise StoreDamaged(damaged_message(path, f"{type(exc).__name__}: {exc}")) from exc


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
        try:
            check_readable(self._con, path)
            ensure_schema(self._con)
        except BaseException as exc:
            self._con.close()
            if isinstance(exc, duckdb.Error):
                raise StoreDamaged(damaged_message(path, f"{type(exc).__name__}: {exc}")) from exc
            raise
        self._write_lock = threading.Lock()

    def reader(self) -> ReadCursor:
        """A fresh cursor that only reads: anything but a SELECT raises ReadOnlyViolation before it runs."""
        return ReadCursor(self._con.cursor())

    @contextmanager
    def exclusive(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A plain cursor while no write transaction can start (backup copies a quiet database)."""
        with self._write_lock:
            cur = self._con.cursor()
            try:
                yield cur
            finally:
                cur.close()

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
    """A DuckDB relation from a reader cursor, minus the methods that write (insert_into, create, to_parquet, ...)."""

    __slots__ = ("_rel",)

    def __init__(self, rel: duckdb.DuckDBPyRelation) -> None:
        self._rel = rel

    def __getattr__(self, name: str) -> Any:
        if name in _RELATION_WRITES:
            raise ReadOnlyViolation(f"a reader relation cannot {name}")
        value = getattr(self._rel, name)
        if isinstance(value, duckdb.DuckDBPyRelation):
            return ReadRelation(value)
        if callable(value):
            def call(*args: Any, **kwargs: Any) -> Any:
                out = value(*args, **kwargs)
                return ReadRelation(out) if isinstance(out, duckdb.DuckDBPyRelation) else out
            return call
        return value

    def __getitem__(self, key: Any) -> Any:
        out = self._rel[key]
        return ReadRelation(out) if isinstance(out, duckdb.DuckDBPyRelation) else out

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
    """

    __slots__ = ("_cur",)
    _PASS = frozenset({
        "fetchall", "fetchone", "fetchmany", "fetchnumpy", "fetchdf", "fetch_df", "fetch_df_chunk", "df", "pl",
        "fetch_arrow_table", "fetch_record_batch", "to_arrow_table", "description", "rowcount", "close",
        "register", "unregister", "interrupt", "complete",
    })

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur

    def sql(self, query: str, *, alias: str = "", params: object = None) -> ReadRelation | None:
        check_read_only(query)
        rel = self._cur.sql(query, alias=alias, params=params) if params is not None else self._cur.sql(query, alias=alias)
        return None if rel is None else ReadRelation(rel)

    query = sql

    def execute(self, query: str, parameters: object = None) -> ReadCursor:
        check_read_only(query)
        if parameters is None:
            self._cur.execute(query)
        else:
            self._cur.execute(query, parameters)
        return self

    @contextmanager
    def snapshot(self) -> Iterator[ReadCursor]:
        """Several reads that see one consistent state: a READ ONLY transaction (DuckDB itself refuses writes in it).

        Materialise results inside the block; the transaction ends when it closes.
        """
        self._cur.execute("BEGIN TRANSACTION READ ONLY")
        try:
            yield self
        finally:
            self._cur.execute("COMMIT")

    def table(self, name: str) -> ReadRelation:
        if not isinstance(name, str) or any(ch in name for ch in "./\\:'\";"):
            raise ReadOnlyViolation(f"not a table name: {name!r}")
        return ReadRelation(self._cur.table(name))

    def __getattr__(self, name: str) -> Any:
        if name in self._PASS:
            return getattr(self._cur, name)
        raise ReadOnlyViolation(f"a reader cursor cannot {name}: it only runs reads")

    def __enter__(self) -> ReadCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cur.close()


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


def is_open(path: str | os.PathLike[str] | None = None) -> bool:
    """True while this process holds a Database for the path (restore must not replace it then)."""
    p = db_path(path).resolve()
    with _instances_lock:
        return p in _instances


def close_database(path: str | os.PathLike[str] | None = None) -> None:
    p = db_path(path).resolve()
    with _instances_lock:
        db = _instances.pop(p, None)
    if db is not None:
        db.close()
