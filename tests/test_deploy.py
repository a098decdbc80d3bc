"""deploy/nginx.conf, run for real: validated by `nginx -t`, then in front of two app servers on one store.

The config is the deploy file itself with three lines pointed at this machine: the upstream server
line (one line per loopback app server), the listen line (a free loopback port) and the access log
(a file the test reads to see which server answered). Debian's nginx is installed by scripts/test.sh.
"""

from __future__ import annotations

import re
import subprocess
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.load import stop
from tests.browser_support import ARTIFACTS, ROOT, free_port
from tests.nginx_support import NGINX, require_nginx

DEPLOY = ROOT / "deploy"
UPSTREAM_LINE = "server app:8501 max_fails=3 fail_timeout=10s;"
LISTEN_LINE = "listen 80;"
ACCESS_LOG_LINE = "access_log /dev/stdout gov;"
USER_HEADER_LINE = 'proxy_set_header X-Forwarded-User "";'


def render(folder: Path, servers: list[str], port: int, sso_user: str | None = None) -> Path:
    """deploy/nginx.conf with the three machine-specific lines replaced; each must occur exactly once.

    `sso_user` stands in for the sign-on's user variable in the X-Forwarded-User line (the file's
    comment says to put `$sso_user` there)."""
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for line in (UPSTREAM_LINE, LISTEN_LINE, ACCESS_LOG_LINE, USER_HEADER_LINE):
        assert text.count(line) == 1, f"deploy/nginx.conf no longer has exactly one {line!r}: update this test"
    if sso_user is not None:
        text = text.replace(USER_HEADER_LINE, f'proxy_set_header X-Forwarded-User "{sso_user}";')
    text = text.replace(UPSTREAM_LINE, "\n        ".join(f"server {s} max_fails=3 fail_timeout=10s;" for s in servers))
    text = text.replace(LISTEN_LINE, f"listen 127.0.0.1:{port};")
    text = text.replace(ACCESS_LOG_LINE, f"access_log {folder / 'access.log'} gov;")
    conf = folder / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def nginx_args(folder: Path, conf: Path, *extra: str) -> list[str]:
    return [NGINX, "-p", str(folder), "-c", str(conf), "-g", f"pid {folder / 'nginx.pid'}; daemon off;", *extra]


def test_nginx_config_is_valid(tmp_path):
    require_nginx()
    conf = render(tmp_path, ["127.0.0.1:18501", "127.0.0.1:18502"], free_port())
    result = subprocess.run(nginx_args(tmp_path, conf, "-t"), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_compose_matches_the_nginx_config():
    """compose.yaml is not run here (no docker): at least its names agree with what the test runs."""
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    host, port = re.search(r"server (\w+):(\d+) ", UPSTREAM_LINE).groups()
    assert re.search(rf"^  {host}:$", compose, re.M), f"compose has no service {host!r}"
    assert f'"--server.port", "{port}"' in dockerfile and f"127.0.0.1:{port}/_stcore/health" in compose
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in compose and '"8080:80"' in compose
    assert "GOV_DB: /store/gov.duckdb" in compose and "- store:/store" in compose


@contextmanager
def nginx(folder: Path, servers: list[str], sso_user: str | None = None) -> Iterator[str]:
    port = free_port()
    conf = render(folder, servers, port, sso_user)
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / f"nginx-{port}.log").open("w") as log:
        proc = subprocess.Popen(nginx_args(folder, conf), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as resp:
                        if resp.read().decode().strip() == "ok":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not come up (exit {proc.poll()}); see {log.name}")
                time.sleep(0.2)
            yield url
        finally:
            stop(proc, 15.0)


def get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """Body and the route cookie the proxy set."""
    req = urllib.request.Request(url, headers={"Cookie": f"gov_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = resp.read().decode()
        set_cookie = " ".join(resp.headers.get_all("Set-Cookie") or [])  # Streamlit sets its XSRF cookie too
    found = re.search(r"gov_route=([0-9a-f]+)", set_cookie)
    return body, found[1] if found else None


def routes(log: Path) -> dict[str, set[str]]:
    """route cookie -> upstream servers that answered it, from the access log."""
    out: dict[str, set[str]] = defaultdict(set)
    for line in log.read_text(encoding="utf-8").splitlines():
        found = re.search(r"route=(\S+) upstream=(\S+)", line)
        if found:
            out[found[1]].add(found[2])
    return out


@pytest.mark.slow
def test_nginx_in_front_of_two_servers_on_one_store(bootstrapped_db_path, tmp_path):
    require_nginx()
    from bench.st_client import StreamlitSession
    from tests.browser_support import streamlit_server
    from tests.test_serving import published_store, run_async

    db = published_store(bootstrapped_db_path, tmp_path / "store")
    folder = tmp_path / "nginx"
    folder.mkdir()
    with streamlit_server(db) as a, streamlit_server(db) as b:
        servers = [a.removeprefix("http://"), b.removeprefix("http://")]
        with nginx(folder, servers) as url:
            body, first = get(f"{url}/_stcore/health")
            assert body.strip() == "ok" and first, "the proxy sets its route cookie on the first response"
            clients = [first] + [get(f"{url}/")[1] for _ in range(19)]  # 20 browsers, each its own cookie
            for route in clients:
                for path in ("/", "/_stcore/health", "/_stcore/host-config"):
                    _, again = get(f"{url}{path}", cookie=route)
                    assert again == route  # the cookie is kept, never replaced

            async def session(cookie: str) -> list[str]:
                import websockets

                # a raw websocket carrying one client's cookie (as its browser would send it) ...
                async with websockets.connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],
                                              additional_headers={"Cookie": f"gov_route={cookie}"}, open_timeout=30):
                    pass
                # ... and a whole Streamlit session through the proxy: upgrade headers and long reads work
                async with StreamlitSession(url, timeout=120) as s:
                    run = await s.run(page="", query="loc=450400")
                    assert run.elements > 0
                    return run.exceptions

            assert run_async(session(clients[3]), timeout=180) == []
        seen = routes(folder / "access.log")  # complete once nginx has stopped
    assert all(len(seen[r]) == 1 for r in clients), {r: seen[r] for r in clients if len(seen[r]) != 1}
    assert {u for r in clients for u in seen[r]} == set(servers), "both servers got clients"
    log = (folder / "access.log").read_text(encoding="utf-8")
    stream = [line for line in log.splitlines() if "/_stcore/stream" in line and f"route={clients[3]}" in line]
    assert stream and " 101 " in stream[0] and f"upstream={next(iter(seen[clients[3]]))}" in stream[0]


@pytest.mark.slow
def test_sign_on_header_through_the_deploy_config(bootstrapped_db_path, tmp_path):
    """As shipped, nginx drops a browser's own X-Forwarded-User (the password form shows); with the
    sign-on's user in that line, the dashboard signs the viewer in by the header alone."""
    require_nginx()
    from bench.st_client import StreamlitSession
    from store import access
    from tests.browser_support import streamlit_server
    from tests.test_serving import published_store, run_async

    users = tmp_path / "users.toml"
    access.add_user(users, "victor", "viewer", "victor-viewer-pw")
    access.add_user(users, "alice", "administrator", "alice-admin-pw")
    env = {"GOV_USERS": str(users), "GOV_SECRET": "deploy-test-secret-" + "x" * 32,
           "GOV_TRUSTED_USER_HEADER": "X-Forwarded-User", "GOV_TRUSTED_PROXIES": "127.0.0.1",
           "FORWARDED_ALLOW_IPS": ""}
    db = published_store(bootstrapped_db_path, tmp_path / "store")

    async def first_run(url: str, headers: dict[str, str]):
        async with StreamlitSession(url, timeout=120, headers=headers) as s:
            run = await s.run(page="", query="loc=450400")
            return run, {w.key for w in s.widgets.values()}

    with streamlit_server(db, env) as app:
        server = [app.removeprefix("http://")]
        (tmp_path / "as_shipped").mkdir()
        with nginx(tmp_path / "as_shipped", server) as url:
            run, widgets = run_async(first_run(url, {"X-Forwarded-User": "alice"}), timeout=180)
            assert "access_login_user" in widgets and not run.exceptions  # the browser's header was dropped
        (tmp_path / "signed_on").mkdir()
        with nginx(tmp_path / "signed_on", server, sso_user="victor") as url:
            run, widgets = run_async(first_run(url, {"X-Forwarded-User": "alice"}), timeout=180)
            assert "access_login_user" not in widgets and not run.exceptions
            assert any("victor" in text for text in run.texts), run.texts  # signed in as the sign-on says
            assert not any("alice" in text for text in run.texts)
