"""A real `streamlit run` and Debian's chromium for end-to-end tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.load import free_port, serve

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium() -> None:
    """Skip on a developer machine without chromium; in CI a missing browser is a failure."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; scripts/test.sh installs it with apt-get")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")


@contextmanager
def streamlit_server(db_path: Path, extra_env: dict[str, str] | None = None, script: str = "serve.py") -> Iterator[str]:
    """Serve the dashboard exactly as the README's first command does (`streamlit run serve.py`, or `script`),
    on a free loopback port, logging to artifacts/streamlit-<port>.log (bench.load.serve does the work)."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(db_path, log=ARTIFACTS / f"streamlit-{port}.log", env=extra_env, script=script, port=port,
               grace=15.0) as (url, _pid):
        yield url


# Streamlit's frontend says how the script stands on the app's root (data-test-script-state: running,
# notRunning ...) and marks elements of an earlier run stale until the new run replaces them; its own
# end-to-end tests wait on the same two signals.
_IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !app.querySelector('[data-stale="true"]');
}"""


_RUNNING = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && (app.getAttribute('data-test-script-state') !== 'notRunning'
        || !!app.querySelector('[data-stale="true"]'));
}"""
# How long a click may take to start its rerun: the browser sends the widget's new value over the
# websocket, and until the server starts the run the page still says notRunning from the last one.
RERUN_START_MS = 1_000


def wait_app_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script run is over and every element on screen comes from it.

    After a click or an upload the rerun may not have started yet, and the page then still looks idle
    from the previous run: first give the rerun up to RERUN_START_MS to show itself (running, or
    elements marked stale), then wait for idle. Where no rerun comes (a page already loaded), this
    costs that one second at most."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    try:
        page.wait_for_function(_RUNNING, timeout=RERUN_START_MS)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: the run was over before we looked, or none came
        pass
    page.wait_for_function(_IDLE, timeout=timeout)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
