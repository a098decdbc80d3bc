"""The README's nginx snippet for single sign-on is valid nginx and forwards what the tested proxy forwards."""

from __future__ import annotations

import re
import subprocess

from tests.browser_support import free_port
from tests.conftest import ROOT
from tests.nginx_support import NGINX, TEMPLATE, require_nginx


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Single sign-on"):]
    return re.search(r"```nginx\n(.*?)```", section, re.S).group(1)


def proxy_headers(conf: str) -> dict[str, str]:
    return dict(re.findall(r"proxy_set_header\s+(\S+)\s+(\S+);", conf.split("location / {", 1)[1]))


def test_readme_snippet_passes_nginx_config_check(tmp_path):
    require_nginx()
    snippet = readme_snippet().replace("https://sso.example.gov.cn", "http://127.0.0.1:9")
    snippet = snippet.replace("listen 443 ssl;", f"listen 127.0.0.1:{free_port()};")
    snippet = "\n".join(line for line in snippet.splitlines() if "ssl_certificate" not in line)
    temp = " ".join(f"{k}_temp_path {tmp_path / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}\n{snippet}\n}}\n",
        encoding="utf-8",
    )
    check = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_readme_snippet_forwards_what_the_tested_proxy_forwards():
    documented = proxy_headers(readme_snippet())
    tested = proxy_headers(TEMPLATE.read_text(encoding="utf-8"))
    assert documented.pop("X-Forwarded-User") == "$sso_user"  # the sign-on's name ...
    assert tested.pop("X-Forwarded-User") == "$remote_user"  # ... stood in for by basic auth in the test
    assert documented == tested
    assert {"Upgrade", "Connection", "X-Forwarded-For"} <= set(documented)
