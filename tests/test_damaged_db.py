"""A damaged database file is detected at start and the message says exactly how to recover; no traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store.cli import run
from store.db import StoreDamaged, close_database, open_database
from tests.builders import app_test
from tests.conftest import ROOT


def _garbage(path: Path) -> Path:
    path.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(300_000)))
    return path


def _truncated(source: Path, path: Path) -> Path:
    """The first 30% of a real database: DuckDB opens it, then fails on the blocks it lost."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.3)])
    return path


def _flipped(source: Path, path: Path) -> Path:
    """A real database with bytes flipped inside a data block: a checksum mismatch."""
    data = bytearray(source.read_bytes())
    for i in range(3 * 4096 + 100, 3 * 4096 + 140):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(params=["garbage", "truncated", "flipped"])
def damaged(request, bootstrapped_db_path, tmp_path) -> Path:
    path = tmp_path / "gov.duckdb"
    if request.param == "garbage":
        return _garbage(path)
    if request.param == "truncated":
        return _truncated(bootstrapped_db_path, path)
    return _flipped(bootstrapped_db_path, path)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_open_raises_store_damaged_with_the_restore_command(damaged):
    before = _digest(damaged)
    with pytest.raises(StoreDamaged) as info:
        open_database(damaged)
    text = str(info.value)
    assert f"python -m store restore BACKUP --db {damaged}" in text
    assert f"python -m store bootstrap --db {damaged}" in text
    assert _digest(damaged) == before  # looking at it changed nothing
    assert not Path(str(damaged) + ".wal").exists()


@pytest.mark.parametrize("command", [["import", "data/samples/synthetic_450400_wuzhou_2025.csv"], ["export", "x.csv"],
                                     ["rollback", "1"], ["bootstrap"], ["backup", "b.duckdb"]])
def test_cli_says_how_to_restore(damaged, command, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    if command[0] in ("export", "backup"):
        command = [command[0], str(tmp_path / command[1])]
    rc = run([*command, "--db", str(damaged)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert f"python -m store restore BACKUP --db {damaged}" in err
    assert "Traceback" not in out + err


def test_real_cli_process_exit_1_no_traceback(bootstrapped_db_path, tmp_path):
    bad = _truncated(bootstrapped_db_path, tmp_path / "gov.duckdb")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "store", "import", "data/samples/synthetic_450400_wuzhou_2025.csv",
                           "--db", str(bad)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"python -m store restore BACKUP --db {bad}" in proc.stderr


def _app(monkeypatch, path: Path, page: str | None = None, **params: str) -> AppTest:
    monkeypatch.setenv("GOV_DB", str(path))
    monkeypatch.delenv("GOV_USERS", raising=False)
    return app_test(page, **params)


@pytest.mark.parametrize("page", [None, "pages/data_import.py"])
def test_app_shows_error_with_restore_command(damaged, monkeypatch, page):
    at = _app(monkeypatch, damaged, page)
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert any("python -m store restore" in e and f"--db {damaged}" in e for e in errors), errors
    assert any("python -m store bootstrap" in e for e in errors)
    assert not at.metric


def test_app_error_in_english(damaged, monkeypatch):
    at = _app(monkeypatch, damaged, lang="en")
    assert not at.exception
    assert any("Restore it from a backup" in e.value for e in at.error)


def test_restore_repairs_what_the_app_reported(bootstrapped_db_path, tmp_path, monkeypatch):
    source = tmp_path / "good.duckdb"
    shutil.copy(bootstrapped_db_path, source)
    backup = tmp_path / "backup.duckdb"
    assert run(["backup", str(backup), "--db", str(source)]) == 0
    bad = _truncated(bootstrapped_db_path, tmp_path / "gov.duckdb")
    assert any("restore" in e.value for e in _app(monkeypatch, bad).error)
    assert run(["restore", str(backup), "--db", str(bad)]) == 0  # exactly the command the message gives
    try:
        at = _app(monkeypatch, bad)
        assert not at.exception and not at.error
        assert at.metric
    finally:
        from ui.context import _db

        _db.clear()
        close_database(bad)
