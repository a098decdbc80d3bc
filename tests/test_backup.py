"""Backup and restore: the same rows in every table (blobs included), ids that continue, refusals that change nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from store.access import Actor, PermissionDenied
from store.backup import MANIFEST, backup_database, restore_database
from store.cli import run
from store.db import close_database, open_database
from store.importer import import_bytes, rollback_dataset
from tests.builders import copy_store
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv"


def roster(period: str) -> bytes:
    return SAMPLE.read_bytes().replace(b",2025,", f",{period},".encode())


def contents(path: Path) -> dict[str, pl.DataFrame]:
    """Every table, fully, in a stable order; blobs replaced by their SHA-256 (read with a plain connection)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall()]
        for table in tables:
            frame = pl.from_arrow(con.sql(f'SELECT * FROM "{table}"').to_arrow_table())
            if "content" in frame.columns:
                frame = frame.with_columns(
                    pl.col("content").map_elements(lambda b: hashlib.sha256(b).hexdigest(), return_dtype=pl.String))
            out[table] = frame.sort(frame.columns, nulls_last=True)
        out["__sequences__"] = pl.from_arrow(con.sql(
            "SELECT sequence_name, start_value, last_value FROM duckdb_sequences() ORDER BY 1").to_arrow_table())
        return out
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def source(bootstrapped_db_path, store_template, tmp_path) -> Path:
    """A database with history: samples, an extra import, a superseding import and a rollback."""

    def build(path: Path) -> None:
        shutil.copy(bootstrapped_db_path, path)
        db = open_database(path)
        first = import_bytes(db, roster("2030"), "a.csv", who="admin")
        second = import_bytes(db, roster("2030").replace(b"\n", b"\r\n"), "b.csv", who="admin")  # supersedes a.csv
        assert first.ok and second.ok and second.superseded == [first.dataset_id]
        rollback_dataset(db, second.dataset_id, who="admin")

    return copy_store(store_template("backup-source", build), tmp_path / "gov.duckdb")


def test_backup_then_restore_gives_identical_rows_and_ids_continue(source, tmp_path, capsys):
    backup, restored = tmp_path / "backup.duckdb", tmp_path / "restored" / "gov.duckdb"
    assert run(["backup", str(backup), "--db", str(source)]) == 0
    assert run(["restore", str(backup), "--db", str(restored)]) == 0
    out = capsys.readouterr().out
    assert "backed up" in out and "restored" in out

    want, got = contents(source), contents(restored)
    assert set(got) == set(want) and MANIFEST not in got
    for table in want:
        assert got[table].equals(want[table]), table
    assert want["files"].height >= 19 and want["import_log"].height >= 21

    db = open_database(restored)  # imports keep working: new ids follow the old ones
    try:
        cur = db.reader()
        max_id = cur.execute("SELECT max(dataset_id) FROM datasets").fetchall()[0][0]
        max_log = cur.execute("SELECT max(log_id) FROM import_log").fetchall()[0][0]
        result = import_bytes(db, roster("2032"), "c.csv", who="admin")
        assert result.ok and result.dataset_id == max_id + 1
        assert cur.execute("SELECT max(log_id) FROM import_log").fetchall()[0][0] == max_log + 1
    finally:
        close_database(restored)


def test_restore_over_an_existing_database_replaces_it(source, bootstrapped_db_path, tmp_path):
    backup, target = tmp_path / "backup.duckdb", tmp_path / "other.duckdb"
    shutil.copy(bootstrapped_db_path, target)
    Path(str(target) + ".wal").write_bytes(b"stale log of the old file")  # must not replay onto the restored file
    assert run(["backup", str(backup), "--db", str(source)]) == 0
    assert run(["restore", str(backup), "--db", str(target)]) == 0
    assert not Path(str(target) + ".wal").exists()
    assert all(contents(target)[t].equals(f) for t, f in contents(source).items())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


_READER = r"""
import sys
from store.db import open_database
db = open_database(sys.argv[1])
for line in sys.stdin:  # one line in, the datasets the process sees now out
    print(db.reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0], flush=True)
"""

_WRITER = r"""
import sys, time
from store.db import open_database
db = open_database(sys.argv[1])
with db.transaction():
    print("WRITING", flush=True)
    time.sleep(60)
"""

_OUTSIDER = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # read-write, without the store's writer lock (an older dashboard did this)
print("HELD", flush=True)
time.sleep(60)
"""


def _process(code: str, path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _datasets(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM datasets").fetchall()[0][0]
    finally:
        con.close()


def test_restore_while_another_process_reads_publishes_the_restored_state(source, tmp_path, capsys):
    backup = tmp_path / "backup.duckdb"
    assert run(["backup", str(backup), "--db", str(source)]) == 0
    db = open_database(source)
    try:
        assert import_bytes(db, roster("2033"), "later.csv", who="admin").ok  # after the backup
    finally:
        close_database(source)
    after_import = _datasets(source)
    reader = _process(_READER, source)
    try:
        assert reader.stdin is not None and reader.stdout is not None
        reader.stdin.write("?\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == after_import
        assert run(["restore", str(backup), "--db", str(source)]) == 0  # the reader does not stop it
        reader.stdin.write("?\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == after_import - 1  # it moved to the restored state
    finally:
        reader.kill()
        reader.wait()
    assert _datasets(source) == after_import - 1


def test_restore_waits_for_a_writer_then_says_busy(source, tmp_path, capsys, monkeypatch):
    backup = tmp_path / "backup.duckdb"
    assert run(["backup", str(backup), "--db", str(source)]) == 0
    capsys.readouterr()
    before = digest(source)
    writer = _process(_WRITER, source)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "WRITING"
        monkeypatch.setenv("GOV_LOCK_WAIT", "1")
        assert run(["restore", str(backup), "--db", str(source)]) == 1
        err = capsys.readouterr().err
        assert "is busy" in err and "try again" in err and "Traceback" not in err
        assert run(["backup", str(tmp_path / "second.duckdb"), "--db", str(source)]) == 0  # backup never waits
    finally:
        writer.kill()
        writer.wait()
    assert digest(source) == before


def test_restore_refuses_a_process_outside_the_writer_lock(source, tmp_path, capsys):
    backup = tmp_path / "backup.duckdb"
    assert run(["backup", str(backup), "--db", str(source)]) == 0
    capsys.readouterr()
    before = digest(source)
    outsider = _process(_OUTSIDER, source)
    try:
        assert outsider.stdout is not None and outsider.stdout.readline().strip() == "HELD"
        assert run(["restore", str(backup), "--db", str(source)]) == 1
        err = capsys.readouterr().err
        assert "in use by another process" in err and "stop it before restoring" in err
        assert "Traceback" not in err
        assert run(["backup", str(tmp_path / "second.duckdb"), "--db", str(source)]) == 0  # reads the snapshot
    finally:
        outsider.kill()
        outsider.wait()
    assert digest(source) == before


def test_restore_with_the_database_open_in_this_process(source, tmp_path):
    backup = tmp_path / "backup.duckdb"
    assert run(["backup", str(backup), "--db", str(source)]) == 0  # (run closes the process's instance when done)
    db = open_database(source)  # as the dashboard's own instance
    try:
        before = db.reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0]
        assert import_bytes(db, roster("2033"), "later.csv", who="admin").ok
        assert run(["restore", str(backup), "--db", str(source)]) == 0
        assert db.reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0] == before
    finally:
        close_database(source)


def _truncate(path: Path, out: Path) -> Path:
    data = path.read_bytes()
    out.write_bytes(data[: int(len(data) * 0.3)])
    return out


@pytest.mark.parametrize("kind", ["garbage", "truncated", "not_a_backup", "missing", "tampered"])
def test_damaged_backup_is_refused_and_target_unchanged(source, bootstrapped_db_path, tmp_path, capsys, kind):
    good = tmp_path / "backup.duckdb"
    assert run(["backup", str(good), "--db", str(bootstrapped_db_path)]) == 0
    target = source
    before = digest(target)
    bad = tmp_path / f"{kind}.duckdb"
    if kind == "garbage":
        bad.write_bytes(os.urandom(64 * 1024))
    elif kind == "truncated":
        _truncate(good, bad)
    elif kind == "not_a_backup":
        shutil.copy(bootstrapped_db_path, bad)  # a database, but no manifest
    elif kind == "tampered":  # a row changed after the backup was made: the manifest's checksums disagree
        shutil.copy(good, bad)
        con = duckdb.connect(str(bad))
        con.execute("UPDATE facts SET value = value + 1 WHERE fact_id = (SELECT min(fact_id) FROM facts)")
        con.close()
    capsys.readouterr()
    assert run(["restore", str(bad), "--db", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("refused:") and "Traceback" not in err
    assert digest(target) == before
    assert not [p for p in tmp_path.iterdir() if ".restore-" in p.name]


def test_backup_never_overwrites_and_needs_a_folder(source, tmp_path, capsys):
    existing = tmp_path / "exists.duckdb"
    existing.write_bytes(b"keep me")
    assert run(["backup", str(existing), "--db", str(source)]) == 2
    assert existing.read_bytes() == b"keep me"
    assert run(["backup", str(tmp_path / "no" / "such" / "b.duckdb"), "--db", str(source)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_backup_and_restore_need_the_backup_permission(source, tmp_path):
    db = open_database(source)
    try:
        with pytest.raises(PermissionDenied):
            backup_database(db, tmp_path / "b.duckdb", actor=Actor("victor", "viewer"))
    finally:
        close_database(source)
    assert not (tmp_path / "b.duckdb").exists()
    with pytest.raises(PermissionDenied):
        restore_database(tmp_path / "b.duckdb", source, actor=Actor("anna", "analyst"))


def test_backup_bytes_is_a_verified_backup_that_restores(bootstrapped_db_path, tmp_path):
    from store.backup import backup_bytes, restore_database, verify_backup
    from store.db import close_database, open_database

    src = tmp_path / "src.duckdb"
    shutil.copy(bootstrapped_db_path, src)  # the store bootstrap builds
    db = open_database(src)
    data = backup_bytes(db, actor="admin-cli")
    close_database(src)
    file = tmp_path / "downloaded.duckdb"
    file.write_bytes(data)
    manifest = verify_backup(file)
    assert manifest.counts["community_rows"] > 0
    target = tmp_path / "restored.duckdb"
    restore_database(file, target)
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM community_rows").fetchone()[0] == manifest.counts["community_rows"]
    finally:
        con.close()


def test_backup_bytes_refuses_a_viewer(tmp_path):
    from store.access import Actor, PermissionDenied
    from store.backup import backup_bytes
    from store.db import close_database, open_database

    db = open_database(tmp_path / "v.duckdb")
    try:
        with pytest.raises(PermissionDenied):
            backup_bytes(db, actor=Actor("victor", "viewer"))
    finally:
        close_database(tmp_path / "v.duckdb")
