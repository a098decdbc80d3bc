"""Many concurrent viewers on one dashboard server, over Streamlit's own websocket protocol.

    python -m bench.load --sessions 30 --rounds 3                 # own server on the sample store
    python -m bench.load --sessions 30 --rounds 3 --db /tmp/national.duckdb
    python -m bench.load --sessions 30 --rounds 3 --port 8501      # a server already running here

Each session is one browser tab's worth of protocol (bench/st_client.py), no browser. Per round
it opens the overview for two localities (通化市 first, whose 2025 roster has a non-empty "where
it lags" table, then 梧州市 through the sidebar, which has none), then the district page and the
compare page. All sessions run at once. Printed per page: median, p95 and max seconds from the
client's request to the server's script_finished, errors, exceptions the page showed, and hangs;
then the server's RSS after warm-up and after each round, and the server's CPU seconds per page
run (its CPU time over the load divided by the runs: what one run costs, whatever the queueing).

A hang is a run that does not finish within --timeout while the server's health check does not
answer either. A server this tool started is then killed with SIGKILL (a hung Streamlit ignores
SIGTERM), and the tool exits 3.

Only 127.0.0.1 is ever contacted. Timings depend on what else the machine runs: say so when you
quote them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from bench.st_client import SessionHung, StreamlitSession

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# (query for the first visit, sidebar label of the second) — 通化市 2025 has lagging communities,
# 梧州市 2025 has none: the two branches of the overview.
FIRST = ("loc=220500", "通化市")
SECOND = "梧州市"
PAGES = ("overview_lagging", "overview_other", "district", "compare")


@dataclass
class PageResult:
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # server CPU seconds per run (one session only: runs do not overlap)
    errors: int = 0
    exceptions: int = 0
    hangs: int = 0
    first_error: str = ""


@dataclass
class LoadResult:
    sessions: int
    rounds: int
    pages: dict[str, PageResult]
    rss_mb: list[float]          # after warm-up, then after each round
    cpu_seconds: float           # server CPU time over the whole load
    wall_seconds: float
    hung: bool                   # the server stopped answering its health check

    @property
    def runs(self) -> int:
        return sum(len(p.seconds) for p in self.pages.values())

    @property
    def ok(self) -> bool:
        return not self.hung and all(p.errors == p.exceptions == p.hangs == 0 for p in self.pages.values())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))
    return ordered[k]


# ---------------------------------------------------------------- the server


def healthy(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as resp:
            return resp.read().decode().strip() == "ok"
    except OSError:
        return False


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: Path, *, log: Path | None = None, env: dict[str, str] | None = None, script: str = "serve.py",
          port: int | None = None, grace: float = 10.0) -> Iterator[tuple[str, int]]:
    """`streamlit run serve.py` (or `script`) on `db`, on `port` or a free loopback port: yields (url, pid).
    Stopped with SIGTERM, and SIGKILL after `grace` s (a server hung in polars ignores SIGTERM).
    The browser tests serve through this too (tests/browser_support.streamlit_server)."""
    port = port or free_port()
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", HOST, "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "GOV_DB": str(db), **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
    )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 120
        while not healthy(url, 2):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} not healthy in 120 s")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        stop(proc, grace)
        if log:
            out.close()  # type: ignore[union-attr]


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def pid_on_port(port: int) -> int | None:
    """The process listening on a loopback port (for RSS of a server this tool did not start)."""
    for c in psutil.net_connections(kind="tcp"):
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid:
            return c.pid
    return None


def sample_store(directory: Path) -> Path:
    """The store the dashboard builds from data/ on first start."""
    from store.bootstrap import bootstrap
    from store.db import close_database, open_database

    path = directory / "gov.duckdb"
    bootstrap(open_database(path))
    close_database(path)
    return path


# ---------------------------------------------------------------- the sessions


class _Rounds:
    """Counts sessions through each round, so the server's RSS is read when a whole round is done."""

    def __init__(self, sessions: int, rounds: int) -> None:
        self.sessions = sessions
        self.count = [0] * rounds
        self.done = [asyncio.Event() for _ in range(rounds)]

    def arrive(self, r: int) -> None:
        self.count[r] += 1
        if self.count[r] >= self.sessions:
            self.done[r].set()

    def leave(self, from_round: int) -> None:
        """A session that gave up counts as through every round it will not run."""
        for r in range(from_round, len(self.count)):
            self.arrive(r)


async def _session(url: str, rounds: int, timeout: float, pages: dict[str, PageResult], progress: _Rounds,
                   hung: asyncio.Event, cpu: psutil.Process | None = None) -> None:
    async def step(name: str, coro) -> None:  # noqa: ANN001
        result = pages[name]
        before = sum(cpu.cpu_times()[:2]) if cpu else 0.0
        try:
            run = await coro
        except SessionHung:
            result.hangs += 1
            if not await asyncio.to_thread(healthy, url):
                hung.set()
            raise
        except Exception as exc:  # a refused connection, a closed socket, a missing widget
            result.errors += 1
            result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
            raise
        result.seconds.append(run.seconds)
        if cpu:
            result.cpu.append(sum(cpu.cpu_times()[:2]) - before)
        if run.exceptions or run.page_not_found:
            result.exceptions += len(run.exceptions) or 1
            result.first_error = result.first_error or "; ".join(run.exceptions) or "page not found"

    r = 0
    try:
        async with StreamlitSession(url, timeout=timeout) as s:
            for r in range(rounds):
                if r == 0:
                    await step("overview_lagging", s.run(page="", query=FIRST[0]))
                else:  # from the compare page: the sidebar's locality, and back to the overview
                    await step("overview_lagging", s.choose("loc", FIRST[1], page=""))
                await step("overview_other", s.choose("loc", SECOND))
                await step("district", s.run(page="district"))
                await step("compare", s.run(page="compare"))
                progress.arrive(r)
    except Exception:
        progress.leave(r)
    except asyncio.CancelledError:
        progress.leave(r)
        raise


async def _watch_health(url: str, hung: asyncio.Event, every: float = 3.0, misses: int = 3) -> None:
    """A deadlocked interpreter answers nothing, a busy one still answers its health check (the
    event loop gets the GIL between script steps): `misses` failed checks in a row mean hung."""
    failed = 0
    while not hung.is_set():
        await asyncio.sleep(every)
        failed = 0 if await asyncio.to_thread(healthy, url, every) else failed + 1
        if failed >= misses:
            hung.set()


async def _load(url: str, pid: int | None, sessions: int, rounds: int, timeout: float,
                deadline: float) -> LoadResult:
    proc = psutil.Process(pid) if pid else None
    pages = {p: PageResult() for p in PAGES}
    # warm-up: one session opens each page once, so caches and imports are not counted as load
    async with StreamlitSession(url, timeout=max(timeout, 120)) as s:
        await s.run(page="", query=FIRST[0])
        await s.choose("loc", SECOND)
        await s.run(page="district")
        await s.run(page="compare")
    rss = [proc.memory_info().rss / 2**20] if proc else []
    cpu0 = sum(proc.cpu_times()[:2]) if proc else 0.0
    progress = _Rounds(sessions, rounds)
    hung = asyncio.Event()
    started = time.perf_counter()
    per_run_cpu = proc if sessions == 1 else None  # a lone session's runs do not overlap: CPU per page is exact
    tasks = [asyncio.create_task(_session(url, rounds, timeout, pages, progress, hung, per_run_cpu))
             for _ in range(sessions)]
    watch_hung = asyncio.create_task(hung.wait())
    watchdog = asyncio.create_task(_watch_health(url, hung))
    for r in range(rounds):
        round_done = asyncio.create_task(progress.done[r].wait())
        remaining = max(deadline - time.monotonic(), 0)
        done, _ = await asyncio.wait([round_done, watch_hung], timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        round_done.cancel()
        if not done and not await asyncio.to_thread(healthy, url):
            hung.set()  # past the deadline and not answering
        if hung.is_set() or not done:
            break
        if proc:
            rss.append(proc.memory_info().rss / 2**20)
    watch_hung.cancel()
    watchdog.cancel()
    if hung.is_set() or not all(e.is_set() for e in progress.done):
        for task in tasks:
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - started
    cpu = sum(proc.cpu_times()[:2]) - cpu0 if proc and not hung.is_set() else 0.0
    return LoadResult(sessions, rounds, pages, rss, cpu, wall, hung.is_set())


def run_load(url: str, pid: int | None, *, sessions: int, rounds: int, timeout: float = 60.0,
             deadline_seconds: float = 900.0) -> LoadResult:
    """Drive `sessions` concurrent sessions for `rounds` rounds against a running server."""
    deadline = time.monotonic() + deadline_seconds
    return run_to_end(_load(url, pid, sessions, rounds, timeout, deadline))


def run_to_end(coro):
    """asyncio.run, on a thread of its own when this thread already runs an event loop (a test process
    whose session holds Playwright's sync browser: asyncio.run refuses to nest)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


# ---------------------------------------------------------------- report


def table(result: LoadResult) -> str:
    cpu = any(p.cpu for p in result.pages.values())
    lines = [
        "| page | runs | median s | p95 s | max s | errors | exceptions | hangs |" + (" server CPU s per run, mean |" if cpu else ""),
        "|---|---|---|---|---|---|---|---|" + ("---|" if cpu else ""),
    ]
    for name, p in result.pages.items():
        if p.seconds:
            med, p95, top = statistics.median(p.seconds), percentile(p.seconds, 95), max(p.seconds)
            nums = f"{med:.3f} | {p95:.3f} | {top:.3f}"
        else:
            nums = "— | — | —"
        extra = f" {statistics.fmean(p.cpu):.3f} |" if cpu and p.cpu else (" — |" if cpu else "")
        lines.append(f"| {name} | {len(p.seconds)} | {nums} | {p.errors} | {p.exceptions} | {p.hangs} |{extra}")
    return "\n".join(lines)


def summary(result: LoadResult) -> str:
    out = [f"{result.sessions} sessions × {result.rounds} rounds: {result.runs} page runs in {result.wall_seconds:.1f} s",
           table(result)]
    if result.rss_mb:
        out.append("server RSS MB after warm-up, then after each round: "
                   + " → ".join(f"{v:.0f}" for v in result.rss_mb))
    if result.cpu_seconds and result.runs:
        out.append(f"server CPU per page run: {result.cpu_seconds / result.runs:.3f} s "
                   f"({result.cpu_seconds:.1f} s CPU over {result.runs} runs)")
    errors = [f"{n}: {p.first_error}" for n, p in result.pages.items() if p.first_error]
    out += ["first error per page: " + e for e in errors]
    if result.hung:
        out.append("HUNG: the server stopped answering its health check")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--port", type=int, help="a dashboard already serving on 127.0.0.1:PORT (default: start one)")
    ap.add_argument("--db", type=Path, help="serve a copy of this DuckDB file (default: the sample store from data/)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds a page run may take before it counts as hung")
    ap.add_argument("--deadline", type=float, default=900.0, help="seconds the whole load may take")
    ap.add_argument("--json", type=Path, help="also write the result as JSON here")
    ap.add_argument("--log", type=Path, help="the started server's log file")
    args = ap.parse_args(argv)

    if args.port:
        url = f"http://{HOST}:{args.port}"
        if not healthy(url):
            print(f"nothing healthy on {url}", file=sys.stderr)
            return 1
        result = run_load(url, pid_on_port(args.port), sessions=args.sessions, rounds=args.rounds,
                          timeout=args.timeout, deadline_seconds=args.deadline)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            if args.db:
                db = Path(tmp) / "gov.duckdb"
                shutil.copy(args.db, db)  # the server opens it read-write; the original stays as it was
            else:
                db = sample_store(Path(tmp))
            with serve(db, log=args.log) as (url, pid):
                result = run_load(url, pid, sessions=args.sessions, rounds=args.rounds, timeout=args.timeout,
                                  deadline_seconds=args.deadline)
    print(summary(result))
    if args.json:
        args.json.write_text(json.dumps({**asdict(result), "runs": result.runs, "ok": result.ok}, indent=1))
    return 3 if result.hung else (0 if result.ok else 2)


if __name__ == "__main__":
    sys.exit(main())
