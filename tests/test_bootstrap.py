"""Bootstrap builds the database from data/ and a second run changes nothing."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from tests.conftest import ROOT

TABLES = ["localities", "sources", "facts", "indicators", "datasets", "community_rows", "files", "import_log"]


def _snapshot(path) -> dict[str, object]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out: dict[str, object] = {}
        for table in TABLES:
            out[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        out["tables"] = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
        out["dataset_status"] = con.execute("SELECT list(status ORDER BY dataset_id) FROM datasets").fetchone()[0]
        return out
    finally:
        con.close()


def _bootstrap(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "store", "bootstrap", "--db", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.slow  # bootstraps in a subprocess: seconds each
def test_bootstrap_twice_gives_same_tables_and_counts(tmp_path):
    db = tmp_path / "twice.duckdb"
    first = _bootstrap(db)
    assert first.returncode == 0, first.stderr
    before = _snapshot(db)
    second = _bootstrap(db)
    assert second.returncode == 0, second.stderr
    assert _snapshot(db) == before


def test_bootstrap_loads_every_catalog_indicator(bootstrapped_db_path, tmp_path):
    import shutil

    import polars as pl

    db = tmp_path / "catalog.duckdb"
    shutil.copy(bootstrapped_db_path, db)  # what bootstrap built (test_bootstrap_twice runs the command itself)
    expected = pl.read_csv(ROOT / "data" / "indicators.csv", infer_schema=False).height
    assert _snapshot(db)["indicators"] == expected


def test_bootstrap_on_a_locked_file_says_in_use(tmp_path):
    db = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('open', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = _bootstrap(db)
        assert result.returncode == 1
        assert "in use" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("table", ["localities", "sources", "facts"])
def test_reference_tables_are_filled_when_their_files_exist(bootstrapped_db_path, table):
    from store.bootstrap import REFERENCE

    rel, _ = REFERENCE[table]
    if not (ROOT / "data" / rel).exists():
        pytest.skip(f"data/{rel} not present")
    assert _snapshot(bootstrapped_db_path)[table] > 0


def test_a_reference_file_with_an_unknown_column_is_refused(empty_db, tmp_path):
    import shutil

    from store.bootstrap import bootstrap
    from store.db import StoreError

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("samples", "*.duckdb*"))
    text = (data / "indicators.csv").read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("formula", "formula; DROP TABLE facts")
    (data / "indicators.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(StoreError, match="unknown column"):
        bootstrap(empty_db, data_dir=data)
    assert empty_db.reader().sql("SELECT count(*) FROM indicators").fetchall()[0][0] == 0


def test_a_fact_outside_the_wording_vocabulary_is_refused_by_row_and_column(empty_db, tmp_path):
    import shutil

    from store.bootstrap import bootstrap
    from store.db import StoreError

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("samples", "*.duckdb*"))
    lines = (data / "sources" / "facts.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",month,point,", ",weekly,point,")  # F000-003: 每月召开1次
    assert ",weekly," in lines[3]
    (data / "sources" / "facts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(StoreError, match=r"facts.csv: row 3, column per: 'weekly'"):
        bootstrap(empty_db, data_dir=data)
    assert empty_db.reader().sql("SELECT count(*) FROM facts").fetchall()[0][0] == 0


@pytest.mark.slow  # bootstraps in a subprocess: seconds each
def test_an_older_database_takes_the_new_fact_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE facts (fact_id VARCHAR PRIMARY KEY, source_id VARCHAR NOT NULL, locality VARCHAR NOT NULL, "
        "locality_level VARCHAR NOT NULL, parent VARCHAR, indicator VARCHAR, subject VARCHAR, value DOUBLE NOT NULL, "
        "unit VARCHAR, qualifier VARCHAR NOT NULL, period VARCHAR, evidence VARCHAR NOT NULL)"
    )
    con.close()
    assert _bootstrap(path).returncode == 0
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'facts'").fetchall()]
        assert {"low", "high", "per", "period_kind", "bounds"} <= set(cols)
        assert con.execute("SELECT count(*) FROM facts WHERE bounds IS NOT NULL").fetchone()[0] == 270
    finally:
        con.close()
