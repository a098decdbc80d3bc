"""Debian's nginx as the intranet's sign-on proxy for end-to-end tests (tests/nginx/sso.conf.template)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.load import stop
from tests.browser_support import free_port

TEMPLATE = Path(__file__).with_name("nginx") / "sso.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROXY_ADDRESS = "127.0.0.2"  # nginx connects to the dashboard from here (proxy_bind)


def require_nginx() -> None:
    """Skip on a developer machine without nginx; in CI a missing nginx is a failure."""
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed; scripts/test.sh installs it with apt-get")
        pytest.skip("Debian's nginx is not installed (apt-get install nginx)")


def _wait_listening(port: int, proc: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nginx did not listen on {port} in {timeout}s")


@contextmanager
def nginx_proxy(upstream: str, users: dict[str, str], workdir: Path) -> Iterator[tuple[str, str]]:
    """nginx in front of `upstream` (http://127.0.0.1:PORT): (signed-on URL, no-sign-on URL).

    `users` are the sign-on's accounts (basic auth, plain passwords: a test stand-in for the intranet's SSO).
    """
    require_nginx()
    workdir.mkdir(parents=True, exist_ok=True)
    htpasswd = workdir / "htpasswd"
    htpasswd.write_text("".join(f"{name}:{{PLAIN}}{password}\n" for name, password in users.items()), encoding="utf-8")
    port, open_port = free_port(), free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{prefix}", str(workdir)).replace("{htpasswd}", str(htpasswd))
        .replace("{upstream_port}", upstream.rsplit(":", 1)[1])
        .replace("{open_port}", str(open_port)).replace("{port}", str(port)),
        encoding="utf-8",
    )
    check = subprocess.run([NGINX, "-t", "-p", str(workdir), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    log = (workdir / "nginx.out").open("w")
    proc = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, proc)
        _wait_listening(open_port, proc)
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{open_port}"
    finally:
        stop(proc, 10.0)
        log.close()
