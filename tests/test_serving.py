"""Administrators work while others view: real dashboard servers, real CLI processes, sessions over Streamlit's websocket.

Every server reads the store's published snapshots (store/publish.py); a write anywhere publishes a new
one, which each server picks up within its version TTL (ui/context.VERSION_TTL). Loopback only,
bounded in sessions and time, and every process is stopped at the end.

Pages and localities: overview, district, compare and sources for 梧州市, and the overview for 通化市,
whose "where it lags" table is what once deadlocked a server under concurrent sessions (polars
callbacks beside to_pandas; tests/test_serving_hang.py holds that case on its own).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.load import run_to_end
from bench.st_client import StreamlitSession
from store.backup import verify_backup
from store.db import close_database, open_database
from tests.browser_support import ROOT, streamlit_server
from ui.context import VERSION_TTL

pytestmark = pytest.mark.slow

ROUTES = [("", "loc=450400"), ("district", "loc=450400"), ("compare", "loc=450400"), ("sources", "loc=450400")]
# then, on the overview, the sidebar's locality changed to 通化市 and back, as a viewer does
SWITCHES = ("通化市", "梧州市")
NEW_PERIOD = "2030"
SAMPLE = ROOT / "data" / "samples" / "synthetic_450400_wuzhou_2025.csv"
DEADLINE = 420  # seconds for a whole test: a hang fails it instead of blocking the suite


@dataclass
class Seen:
    """What one session saw: every run's start time, page, exceptions and period options (overview only)."""

    runs: list[tuple[float, str, list[str], tuple[str, ...] | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def waiting_for(lock_file: Path, n: int, timeout: float) -> set[int]:
    """The other processes that hold `lock_file` open (a writer waiting for the lock we hold), once there are n."""
    import psutil

    deadline = time.monotonic() + timeout
    target = str(lock_file.resolve())
    while True:
        found = set()
        for proc in psutil.process_iter():
            try:
                if proc.pid != os.getpid() and any(f.path == target for f in proc.open_files()):
                    found.add(proc.pid)
            except (psutil.Error, OSError):
                continue  # gone, or not ours to look at
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


async def browse(url: str, seen: Seen, stop: asyncio.Event, label: str) -> None:
    """A viewer going round the pages until told to stop."""
    try:
        async with StreamlitSession(url, timeout=120) as s:
            while not stop.is_set():
                for page, query in ROUTES:
                    started = time.monotonic()
                    run = await s.run(page=page, query=query)
                    periods = tuple(s.widget("period").options) if page == "" else None
                    seen.runs.append((started, page, run.exceptions, periods))
                    await asyncio.sleep(0.2)  # a person reads a page before the next click
                for label_ in SWITCHES:
                    started = time.monotonic()
                    run = await s.choose("loc", label_, page="")
                    seen.runs.append((started, f"overview:{label_}", run.exceptions, None))
                    await asyncio.sleep(0.2)
    except Exception as exc:  # noqa: BLE001 - a hang or a dropped socket is what the test reports
        seen.errors.append(f"{label}: {type(exc).__name__}: {exc}")


async def look(url: str) -> tuple[str, ...]:
    """One fresh viewer opening the overview: the period options it is offered."""
    async with StreamlitSession(url, timeout=120) as s:
        run = await s.run(page="", query="loc=450400")
        assert not run.exceptions, run.exceptions
        return tuple(s.widget("period").options)


async def cli(*args: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "store", *args, cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=180)
    return proc.returncode or 0, out.decode()


def run_async(coro, timeout: float = DEADLINE):
    """Run a coroutine to its end within `timeout` s (bench.load.run_to_end: on a thread of its own when
    Playwright's sync API, the session's browser fixture, holds an event loop on this thread)."""
    return run_to_end(asyncio.wait_for(coro, timeout=timeout))


def published_store(bootstrapped_db_path: Path, folder: Path) -> Path:
    """A copy of the bootstrapped store, opened once here so its first snapshot exists before servers start."""
    db = folder / "gov.duckdb"
    db.parent.mkdir(parents=True)
    shutil.copy(bootstrapped_db_path, db)
    open_database(db)
    close_database(db)
    return db


def new_period_roster(folder: Path) -> Path:
    path = folder / f"wuzhou_{NEW_PERIOD}.csv"
    path.write_bytes(SAMPLE.read_bytes().replace(b",2025,", f",{NEW_PERIOD},".encode()))
    return path


SETTLE = VERSION_TTL + 0.5  # after a write, a server shows it within its version TTL


def check_sessions(sessions: list[Seen], windows: list[tuple[float, float, bool]]) -> None:
    """No session saw an exception or hung; each run saw the old periods or the new ones, never anything
    else; every overview run that started inside a (start, end, new) window saw the new period or not."""
    assert [e for s in sessions for e in s.errors] == []
    assert all(s.runs for s in sessions)
    exceptions = [(page, exc) for s in sessions for _, page, excs, _ in s.runs for exc in excs]
    assert exceptions == [], exceptions[:3]
    options = {p for s in sessions for *_, p in s.runs if p is not None}
    old = {p for p in options if NEW_PERIOD not in p}
    assert len(old) <= 1 and len(options - old) <= 1, options  # exactly two states: before and after
    runs = [run for s in sessions for run in s.runs]
    print(f"\n{len(sessions)} sessions, {len(runs)} page runs, {sum(p is not None for *_, p in runs)} overviews, "
          f"0 exceptions; periods seen: {sorted(options, key=len)}")
    for start, end, new in windows:
        inside = [p for s in sessions for t0, _, _, p in s.runs if p is not None and start < t0 < end]
        assert inside, f"no overview run started in the window ({start:.1f}, {end:.1f})"
        assert all((NEW_PERIOD in p) == new for p in inside), (new, inside)


def new_dataset(db: Path) -> int:
    """The imported dataset's id, read here while the servers serve (any process may read the store)."""
    try:
        cur = open_database(db).reader()
        return cur.execute("SELECT max(dataset_id) FROM datasets WHERE period = ?", [NEW_PERIOD]).fetchall()[0][0]
    finally:
        close_database(db)


def datasets(db: Path) -> int:
    try:
        return open_database(db).reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0]
    finally:
        close_database(db)


def test_cli_import_backup_export_rollback_while_ten_sessions_browse(bootstrapped_db_path, tmp_path):
    db = published_store(bootstrapped_db_path, tmp_path / "store")
    datasets_before = datasets(db)
    roster = new_period_roster(tmp_path)
    backup, export = tmp_path / "backup.duckdb", tmp_path / "rows.csv"
    sessions = [Seen() for _ in range(10)]
    done: dict[str, tuple[int, str]] = {}
    marks: dict[str, float] = {}

    async def scenario(url: str) -> None:
        assert NEW_PERIOD not in await look(url)
        stop = asyncio.Event()
        viewers = [asyncio.create_task(browse(url, s, stop, f"session {i}")) for i, s in enumerate(sessions)]
        while not all(s.runs for s in sessions) and not any(s.errors for s in sessions):
            await asyncio.sleep(0.2)  # everybody has a page on screen before the administrator starts
        done["import"] = await cli("import", str(roster), "--db", str(db))
        marks["imported"] = time.monotonic()
        done["backup"] = await cli("backup", str(backup), "--db", str(db))
        done["export"] = await cli("export", str(export), "--db", str(db))
        await asyncio.sleep(SETTLE + 8)
        marks["rollback"] = time.monotonic()
        done["rollback"] = await cli("rollback", str(new_dataset(db)), "--db", str(db))
        marks["rolled_back"] = time.monotonic()
        await asyncio.sleep(SETTLE + 8)
        marks["end"] = time.monotonic()
        stop.set()
        await asyncio.gather(*viewers)

    with streamlit_server(db) as url:
        run_async(scenario(url))
    for command in ("import", "backup", "export", "rollback"):
        code, out = done[command]
        assert code == 0, f"{command}: {out}"
    check_sessions(sessions, [(marks["imported"] + SETTLE, marks["rollback"], True),
                              (marks["rolled_back"] + SETTLE, marks["end"], False)])
    assert verify_backup(backup).counts["datasets"] == datasets_before + 1  # taken after the import, whole
    data = export.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and f",{NEW_PERIOD},".encode() in data


def test_two_servers_on_one_published_store_both_serve_through_a_cli_import(bootstrapped_db_path, tmp_path):
    db = published_store(bootstrapped_db_path, tmp_path / "store")
    roster = new_period_roster(tmp_path)
    sessions = {"a": [Seen() for _ in range(3)], "b": [Seen() for _ in range(3)]}

    async def scenario(urls: dict[str, str]) -> tuple[int, str, float, float]:
        stop = asyncio.Event()
        viewers = [asyncio.create_task(browse(urls[k], s, stop, f"{k}{i}")) for k, group in sessions.items()
                   for i, s in enumerate(group)]
        while not all(s.runs for g in sessions.values() for s in g) and not any(s.errors for g in sessions.values() for s in g):
            await asyncio.sleep(0.2)
        code, out = await cli("import", str(roster), "--db", str(db))
        imported = time.monotonic()
        await asyncio.sleep(SETTLE + 8)
        end = time.monotonic()
        stop.set()
        await asyncio.gather(*viewers)
        return code, out, imported, end

    with streamlit_server(db) as a, streamlit_server(db) as b:
        code, out, imported, end = run_async(scenario({"a": a, "b": b}))
    assert code == 0, out
    for group in sessions.values():  # both servers served throughout and both moved to the new snapshot
        check_sessions(group, [(imported + SETTLE, end, True)])


PAGE_PERIOD = "2026"  # the import page's roster (a small GBK-free CSV); the CLI imports NEW_PERIOD meanwhile
PAGE_ROSTER = "\n".join([
    "城市,区县,街道,社区名称,统计期,小区数,已建党组织小区数,网格数,已建党组织网格数,常住人口（人）",
    "梧州市,万秀区,城东街道,甲社区,2026年,8,8,10,10,5200",
    "梧州市,长洲区,大塘街道,丙社区,2026年,7,7,12,11,4100",
]) + "\n"


@pytest.mark.browser
def test_import_page_of_one_server_and_a_cli_import_serialise_and_the_other_server_shows_both(
        bootstrapped_db_path, tmp_path, browser):
    """Server A's import page and a CLI import arrive while a third writer holds the lock: both wait their
    turn (neither fails), and server B, which nobody wrote through, shows both new periods."""
    from store.publish import WriterLock
    from tests.browser_support import wait_app_idle

    db = published_store(bootstrapped_db_path, tmp_path / "store")
    roster, page_file = new_period_roster(tmp_path), tmp_path / "梧州2026.csv"
    page_file.write_text(PAGE_ROSTER, encoding="utf-8")
    with streamlit_server(db) as a, streamlit_server(db) as b:
        page = browser.new_page(viewport={"width": 1280, "height": 2100})
        page.goto(f"{a}/data_import")
        wait_app_idle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(page_file))
        wait_app_idle(page)
        page.get_by_text("全部 2 行通过校验").wait_for()

        lock = WriterLock(db)
        lock.acquire(10, what="test: another administrator's import")
        try:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            cli_import = subprocess.Popen([sys.executable, "-m", "store", "import", str(roster), "--db", str(db)],
                                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            page.get_by_role("button", name="确认导入").click()
            waiting = waiting_for(lock.path, 2, timeout=60)  # the page's server and the CLI both wait for the lock now
            assert cli_import.pid in waiting and len(waiting) >= 2, waiting
            assert cli_import.poll() is None
        finally:
            lock.release()
        out, _ = cli_import.communicate(timeout=120)
        assert cli_import.returncode == 0, out
        page.get_by_text("已导入：数据集").wait_for(timeout=120_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()
        time.sleep(SETTLE)
        periods = run_async(look(b), timeout=120)
    assert PAGE_PERIOD in periods and NEW_PERIOD in periods, periods
