"""SQL injection and path tricks: through every URL parameter of every page, through imported names and file
names, through the reader cursor; and no f-string in store/ or ui/ puts anything but reviewed names into SQL."""

from __future__ import annotations

import ast
import io
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from store import read
from store.backup import fingerprints
from store.db import ReadOnlyViolation, close_database, open_database
from store.importer import import_bytes
from store.readers import safe_name
from tests.conftest import ROOT

APP = ROOT / "app.py"
PAYLOADS = [
    "'; DROP TABLE facts; --",
    "1 OR 1=1",
    "450400' UNION SELECT sha256, content FROM files --",
    "450400,'); DELETE FROM datasets WHERE ''=',<script>alert(1)</script>",
]


def app_pages() -> list[str]:
    """Every page app.py registers with st.navigation."""
    pages = re.findall(r"""st\.Page\(\s*["'](pages/[\w/]+\.py)["']""", APP.read_text(encoding="utf-8"))
    assert "pages/overview.py" in pages and "pages/data_import.py" in pages
    return pages


def url_keys() -> list[str]:
    """Every query parameter the app reads: urlstate widget keys and direct st.query_params look-ups."""
    keys = {"lang", "loc", "district", "period"}
    for path in [APP, *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"urlstate\.\w+\(", text):
            found = re.search(r"""\bkey\s*=\s*["'](\w+)["']""", text[m.end(): m.end() + 800])
            if found:
                keys.add(found.group(1))
        keys |= set(re.findall(r"""query_params(?:\[|\.get\()\s*["'](\w+)["']""", text))
        for tup in re.findall(r"""for \w+ in \(([^)]*)\) if \w+ in st\.query_params""", text):
            keys |= set(re.findall(r"""["'](\w+)["']""", tup))
    return sorted(keys)


@pytest.fixture(scope="module")
def app_db(bootstrapped_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("inject") / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOV_DB", str(path))
        mp.delenv("GOV_USERS", raising=False)
        yield path
    from ui.context import _db

    _db.clear()
    close_database(path)


def state(path: Path) -> dict[str, tuple[int, int]]:
    """Rows and a content checksum of every table, read through the process's own instance."""
    return fingerprints(open_database(path).reader())


@pytest.mark.parametrize("page", app_pages())
def test_every_url_parameter_of_every_page_ignores_sql(app_db, page):
    keys = url_keys()
    assert {"lang", "loc", "district", "period"} <= set(keys)
    before = state(app_db)
    for payload in PAYLOADS:
        at = AppTest.from_file(str(APP), default_timeout=120)
        for key in keys:
            at.query_params[key] = payload
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (page, payload, [e.value for e in at.exception])
        for key in ("lang", "loc", "period"):  # the shared filters fell back to valid codes
            assert at.query_params.get(key) != payload, (page, key)
        assert state(app_db) == before, (page, payload)


INJECTED_NAMES = [
    "'; DROP TABLE facts; --",
    "社区'); DELETE FROM datasets; --",
    "1 OR 1=1",
    "x\" UNION SELECT * FROM files --",
    "${jndi:ldap://x}",
]


def test_imported_names_are_stored_literally(bootstrapped_db_path, tmp_path):
    path = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    sample = ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv"
    frame = pl.read_csv(sample, skip_rows=1, infer_schema=False).head(len(INJECTED_NAMES))
    frame = frame.with_columns(
        pl.Series("community", INJECTED_NAMES),
        pl.Series("street", list(reversed(INJECTED_NAMES))),
        pl.lit("2033").alias("period"),
    )
    buf = io.BytesIO()
    frame.write_csv(buf)
    db = open_database(path)
    try:
        before = fingerprints(db.reader())
        result = import_bytes(db, buf.getvalue(), "'; DROP TABLE facts; --.csv", who="admin")
        assert result.ok, result.problems[:3]
        rows = read.community_rows(db.reader()).filter(pl.col("period") == "2033")
        assert sorted(rows["community"].to_list()) == sorted(INJECTED_NAMES)
        assert sorted(rows["street"].to_list()) == sorted(INJECTED_NAMES)
        stored = db.reader().execute("SELECT file_name FROM datasets WHERE dataset_id = ?", [result.dataset_id]).fetchall()
        assert stored == [("'; DROP TABLE facts; --.csv",)]
        after = fingerprints(db.reader())
        for table in ("facts", "sources", "localities", "indicators", "meta"):
            assert after[table] == before[table], table
        assert after["datasets"][0] == before["datasets"][0] + 1
    finally:
        close_database(path)


HOSTILE_FILE_NAMES = [
    ("../../../../tmp/pwned.csv", "pwned.csv"),
    ("..\\..\\windows\\evil.csv", "evil.csv"),
    ("/etc/passwd", "passwd"),
    ("C:\\Windows\\System32\\x.csv", "x.csv"),
    ("..", "upload"),
    ("./", "upload"),
    ("a\x00b\r\n.csv", "ab.csv"),
    ("x" * 500 + ".csv", "x" * 200),
]


@pytest.mark.parametrize(("name", "stored"), HOSTILE_FILE_NAMES)
def test_upload_names_are_never_paths(name, stored):
    assert safe_name(name) == stored
    assert not any(sep in safe_name(name) for sep in ("/", "\\", "\x00"))


def test_import_with_hostile_names_writes_no_file(bootstrapped_db_path, tmp_path, monkeypatch):
    path = tmp_path / "db" / "gov.duckdb"
    path.parent.mkdir()
    shutil.copy(bootstrapped_db_path, path)
    work = tmp_path / "work" / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # a relative ../ would land inside tmp_path
    # the store's own published snapshots change with every import (store/publish.py names them)
    own = re.compile(r"db/published/gov(-\d{6}-[0-9a-f]{8}\.duckdb|\.current)")
    listing = lambda: sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")  # noqa: E731
                             if not p.name.endswith(".wal") and not own.fullmatch(str(p.relative_to(tmp_path))))
    sample = (ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv").read_bytes()
    db = open_database(path)
    try:
        before = listing()
        with db.batch():  # one publish for every import: the names are what is tested
            for i, (name, stored) in enumerate(HOSTILE_FILE_NAMES):
                data = sample.replace(b",2025,", f",{2040 + i},".encode())
                result = import_bytes(db, data, name, who="admin")
                assert result.ok and result.file_name == stored
        names = [r[0] for r in db.reader().execute("SELECT file_name FROM datasets WHERE period >= '2040'").fetchall()]
        assert sorted(names) == sorted(s for _, s in HOSTILE_FILE_NAMES)
        assert listing() == before  # nothing written anywhere near, by any name
        assert not Path("/tmp/pwned.csv").exists()
    finally:
        close_database(path)


# ---- the reader cursor only reads -------------------------------------------------------------------
WRITES = [
    "INSERT INTO meta VALUES ('x', 'y')",
    "UPDATE datasets SET status = 'rolled_back'",
    "DELETE FROM facts",
    "DROP TABLE facts",
    "SELECT 1; DROP TABLE facts",
    "CREATE TABLE x AS SELECT 1",
    "COPY facts TO '/tmp/facts.csv'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "SET threads = 1",
    "CHECKPOINT",
    "SELECT nextval('dataset_ids')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM query('DELETE FROM facts')",
    "EXPLAIN ANALYZE DELETE FROM facts",
    "PIVOT facts ON unit",
    "BEGIN TRANSACTION",
]


def test_reader_cursor_refuses_every_write(bootstrapped_db_path, tmp_path):
    path = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    db = open_database(path)
    try:
        before = fingerprints(db.reader())
        cur = db.reader()
        for sql in WRITES:
            with pytest.raises(ReadOnlyViolation):
                cur.execute(sql)
            with pytest.raises(ReadOnlyViolation):
                cur.sql(sql)
        rel = cur.sql("SELECT * FROM facts")
        for method, args in [("insert_into", ("facts",)), ("create", ("copy_of_facts",)), ("to_parquet", ("/tmp/f.parquet",)),
                             ("to_table", ("t2",))]:
            with pytest.raises(ReadOnlyViolation):
                getattr(rel, method)(*args)
        with pytest.raises(ReadOnlyViolation):
            rel.filter("value > 0").insert_into("facts")  # derived relations are wrapped too
        for method in ("begin", "commit", "executemany", "install_extension", "load_extension", "read_csv"):
            with pytest.raises(ReadOnlyViolation):
                getattr(cur, method)
        # every read the pages use still works, parameters included
        assert read.community_rows(cur).height == before["community_rows"][0]
        assert read.facts(cur).height == before["facts"][0]
        assert read.import_log(cur, 5).height == 5
        assert cur.execute("SELECT count(*) FROM facts WHERE fact_id = ?", ["'; DROP TABLE facts; --"]).fetchall() == [(0,)]
        assert cur.sql("DESCRIBE facts").fetchall()
        with cur.snapshot():  # a consistent multi-query read: DuckDB's own READ ONLY transaction
            assert cur.execute("SELECT count(*) FROM datasets").fetchall()[0][0] == before["datasets"][0]
        assert fingerprints(db.reader()) == before
    finally:
        close_database(path)


# ---- no user text formatted into SQL ---------------------------------------------------------------
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|ATTACH|DETACH|COPY|CREATE|DROP|ALTER|PRAGMA|CHECKPOINT|FROM|WHERE|INTO)\b")
# Every interpolation into SQL in store/ and ui/, reviewed: constants, catalog names quoted by _ident,
# operator-given file paths quoted by _literal (ATTACH takes no parameters), fixed column lists.
REVIEWED = {
    "store/backup.py": {"_literal(str(tmp))", "_literal(str(backup))", "_OUT_ALIAS", "_IN_ALIAS", "MANIFEST",
                        "_ident(source)", "_ident(database)", "_ident(t)", "_ident(into)"},
    "store/errors.py": {"ident"},  # a table name read from the catalog, quoted
    "store/bootstrap.py": {"table", "cols"},  # REFERENCE's table names; columns of the repository's own data/ CSVs
    "store/export.py": {"cols"},  # store.columns.CANONICAL
    "store/importer.py": {"cols"},  # store.columns.CANONICAL
    "store/preview.py": {"cols"},  # store.columns.CANONICAL
    "store/read.py": {"cols", "_ADDED_SOURCES", "_ADDED_FACTS"},  # store.columns.CANONICAL; constant added-report SELECTs
    "store/reports.py": {"cols"},  # the constant FACT_COLUMNS and report_facts' own extra columns
}


def test_no_unreviewed_interpolation_into_sql():
    found = []
    for path in sorted([*ROOT.glob("store/*.py"), *ROOT.glob("ui/*.py")]):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
                if SQL_WORDS.search(literal):
                    for v in node.values:
                        if isinstance(v, ast.FormattedValue) and ast.unparse(v.value) not in REVIEWED.get(rel, set()):
                            found.append(f"{rel}:{node.lineno}: {ast.unparse(v.value)}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                base = node.func.value
                if isinstance(base, ast.Constant) and isinstance(base.value, str) and SQL_WORDS.search(base.value):
                    found.append(f"{rel}:{node.lineno}: str.format into SQL")
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
                    and isinstance(node.left.value, str) and SQL_WORDS.search(node.left.value):
                found.append(f"{rel}:{node.lineno}: %-formatting into SQL")
    assert found == [], "review these (use ? parameters for any value): " + "; ".join(found)
