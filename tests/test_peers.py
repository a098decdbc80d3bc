"""Which peer, client address and sign-on header the server believes, including uvicorn's X-Forwarded-For rewrite."""

from __future__ import annotations

import pytest

from store import peers
from store.db import StoreError
from store.peers import HeaderVerdict, Request, client_address, peer, proxy_user, trusted_proxies

PROXY = "10.0.0.2"
PROXIES = trusted_proxies(f"{PROXY}, 192.168.8.0/24 ::1")
H = "X-Forwarded-User"


def req(remote_ip: str | None, **headers: str) -> Request:
    return Request(tuple((k.replace("_", "-"), v) for k, v in headers.items()), {}, remote_ip)


@pytest.fixture(autouse=True)
def uvicorn_default(monkeypatch):
    monkeypatch.delenv(peers.UVICORN_ENV, raising=False)  # uvicorn trusts X-Forwarded-For from 127.0.0.1 and ::1


def test_uvicorn_reading_is_available():
    # If uvicorn renames its helper, every X-Forwarded-For peer becomes unknown (safe, but the sign-on
    # proxy would stop working): this test says so first.
    assert peers._uvicorn_reading("10.1.1.1") == "10.1.1.1"


def test_trusted_proxies_parse_addresses_and_networks():
    assert [str(n) for n in PROXIES] == ["10.0.0.2/32", "192.168.8.0/24", "::1/128"]
    assert trusted_proxies("") == ()
    with pytest.raises(StoreError, match="not an IP address"):
        trusted_proxies("10.0.0.2, nginx.local")


def test_header_honoured_from_a_listed_proxy():
    assert proxy_user(req(PROXY, X_Forwarded_User="victor"), H, PROXIES) == (HeaderVerdict.HONOURED, "victor")
    assert proxy_user(req("192.168.8.77", x_forwarded_user="victor"), H, PROXIES)[0] is HeaderVerdict.HONOURED
    assert proxy_user(req("::ffff:10.0.0.2", X_Forwarded_User="victor"), H, PROXIES)[0] is HeaderVerdict.HONOURED


def test_header_ignored_from_any_other_address():
    for address in ("10.0.0.3", "192.168.9.1", "127.0.0.1", None):
        assert proxy_user(req(address, X_Forwarded_User="alice"), H, PROXIES) == (HeaderVerdict.IGNORED, None)
    assert proxy_user(req(PROXY, X_Forwarded_User="alice"), H, ()) == (HeaderVerdict.IGNORED, None)  # no proxies listed


def test_no_header_or_no_setting_is_absent():
    assert proxy_user(req(PROXY), H, PROXIES) == (HeaderVerdict.ABSENT, None)
    assert proxy_user(req(PROXY, X_Forwarded_User="  "), H, PROXIES) == (HeaderVerdict.ABSENT, None)
    assert proxy_user(req(PROXY, X_Forwarded_User="victor"), None, PROXIES) == (HeaderVerdict.ABSENT, None)


def test_two_different_user_headers_are_ignored():
    both = Request(((H, "victor"), (H, "alice")), {}, PROXY)
    assert proxy_user(both, H, PROXIES)[0] is HeaderVerdict.IGNORED


def test_utf8_user_name_in_header():
    raw = "王芳".encode().decode("latin-1")  # how starlette hands over a raw UTF-8 header
    assert proxy_user(req(PROXY, X_Forwarded_User=raw), H, PROXIES) == (HeaderVerdict.HONOURED, "王芳")


def test_forged_forwarded_for_from_the_server_itself_cannot_pose_as_the_proxy():
    # A program on the server connects from 127.0.0.1 with "X-Forwarded-For: 10.0.0.2": uvicorn trusts
    # 127.0.0.1 and reports the peer as 10.0.0.2. That rewrite is visible, and the peer becomes unknown.
    forged = req(PROXY, X_Forwarded_For=PROXY, X_Forwarded_User="alice")
    assert peer(forged) is None
    assert proxy_user(forged, H, PROXIES) == (HeaderVerdict.IGNORED, None)
    chained = req(PROXY, X_Forwarded_For=f"{PROXY}, 127.0.0.1", X_Forwarded_User="alice")
    assert proxy_user(chained, H, PROXIES)[0] is HeaderVerdict.IGNORED


def test_real_proxy_with_forwarded_for_is_still_known():
    # nginx at 10.0.0.2 (not trusted by uvicorn, so not rewritten) appends the browser's address.
    real = req(PROXY, X_Forwarded_For="172.16.5.9", X_Forwarded_User="victor")
    assert str(peer(real)) == PROXY
    assert proxy_user(real, H, PROXIES) == (HeaderVerdict.HONOURED, "victor")
    assert client_address(real, PROXIES) == "172.16.5.9"


def test_with_uvicorn_rewriting_off_the_peer_is_always_the_tcp_peer(monkeypatch):
    monkeypatch.setenv(peers.UVICORN_ENV, "")
    same_host = req("127.0.0.1", X_Forwarded_For="127.0.0.1", X_Forwarded_User="victor")  # browser on the proxy's host
    assert str(peer(same_host)) == "127.0.0.1"
    assert proxy_user(same_host, H, trusted_proxies("127.0.0.1"))[0] is HeaderVerdict.HONOURED


def test_with_uvicorn_trusting_everyone_forwarded_for_makes_the_peer_unknown(monkeypatch):
    monkeypatch.setenv(peers.UVICORN_ENV, "*")
    assert peer(req("10.0.0.2", X_Forwarded_For="10.0.0.2")) is None
    assert str(peer(req("10.0.0.2"))) == "10.0.0.2"  # no X-Forwarded-For: nothing was rewritten


def test_client_address_reads_forwarded_for_only_behind_a_listed_proxy():
    assert client_address(req("10.9.9.9", X_Forwarded_For="1.2.3.4"), PROXIES) == "10.9.9.9"  # the client's word
    assert client_address(req(PROXY, X_Forwarded_For="6.6.6.6, 172.16.5.9"), PROXIES) == "172.16.5.9"
    assert client_address(req(PROXY, X_Forwarded_For="172.16.5.9, 192.168.8.3"), PROXIES) == "172.16.5.9"  # two proxies
    assert client_address(req(PROXY), PROXIES) == PROXY
    assert client_address(req(None), PROXIES) == ""
    # uvicorn rewrote (peer unknown): its own reading is the address
    assert client_address(req("172.16.5.9", X_Forwarded_For="172.16.5.9"), PROXIES) == "172.16.5.9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10.0.0.2", "10.0.0.2"), ("10.0.0.2:5555", "10.0.0.2"), ("[::1]:80", "::1"), ("::1", "::1"),
     ("::ffff:10.0.0.2", "10.0.0.2"), ("nginx", None), ("", None), (None, None)],
)
def test_parse_address(text, expected):
    parsed = peers.parse_address(text)
    assert (str(parsed) if parsed else None) == expected
