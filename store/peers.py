"""Who is at the other end of a connection: the peer, trusted proxies, the client behind them, the sign-on header.

What the dashboard sees of a connection is what Streamlit kept from the websocket handshake: its headers,
its cookies and `remote_ip`. Two facts about Streamlit 1.67 decide how far those can be believed:

- `remote_ip` is uvicorn's idea of the peer. uvicorn's ProxyHeadersMiddleware, on by default, replaces
  the TCP peer with an address taken from X-Forwarded-For whenever the peer is listed in
  FORWARDED_ALLOW_IPS (default "127.0.0.1,::1"). So a program on the server itself can make `remote_ip`
  read as any address it likes. Such a rewrite always leaves `remote_ip` equal to uvicorn's reading of
  the X-Forwarded-For header; when it does, we cannot tell the true peer, and treat it as unknown.
  With FORWARDED_ALLOW_IPS="" uvicorn rewrites nothing and `remote_ip` is always the TCP peer.
- `st.context.ip_address` reports a loopback peer as None, so a proxy on the same machine would be
  invisible there; we read the client context's `remote_ip` itself.

A sign-on header (GOV_TRUSTED_USER_HEADER) is believed only when the peer is known and listed in
GOV_TRUSTED_PROXIES; X-Forwarded-For is read only from such a peer. Everything else is the client's word.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from store.db import StoreError

HEADER_ENV = "GOV_TRUSTED_USER_HEADER"
PROXIES_ENV = "GOV_TRUSTED_PROXIES"
UVICORN_ENV = "FORWARDED_ALLOW_IPS"
UVICORN_DEFAULT = "127.0.0.1,::1"  # uvicorn.Config's default when FORWARDED_ALLOW_IPS is unset

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Request:
    """What the server kept of one browser connection (Streamlit's client context at the handshake)."""

    headers: tuple[tuple[str, str], ...] = ()
    cookies: Mapping[str, str] = field(default_factory=dict)
    remote_ip: str | None = None

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]


def parse_address(text: str | None) -> Address | None:
    """An IP address, IPv4-mapped IPv6 read as IPv4; None for anything else (a port or brackets are dropped)."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def trusted_proxies(text: str | None = None) -> tuple[Network, ...]:
    """GOV_TRUSTED_PROXIES: addresses or CIDR networks, separated by commas or spaces; a bad entry is an error."""
    raw = os.environ.get(PROXIES_ENV, "") if text is None else text
    networks: list[Network] = []
    for entry in raw.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise StoreError(f"{PROXIES_ENV}: {entry!r} is not an IP address or network") from exc
    return tuple(networks)


def trusted_header() -> str | None:
    """GOV_TRUSTED_USER_HEADER: the header the intranet's sign-on proxy puts the user name in; None when unset."""
    name = os.environ.get(HEADER_ENV, "").strip()
    return name or None


def _listed(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


@functools.lru_cache(maxsize=4)
def _uvicorn_trust(setting: str):
    """uvicorn's own reading of FORWARDED_ALLOW_IPS (its private helper: the very rules it rewrote by)."""
    try:
        from uvicorn.middleware.proxy_headers import _TrustedHosts
    except ImportError:
        return None
    return _TrustedHosts(setting)


def _uvicorn_reading(forwarded: str) -> str | None:
    """The client uvicorn takes from X-Forwarded-For under FORWARDED_ALLOW_IPS; "" when uvicorn trusts no
    forwarder (it then never rewrites); None when that cannot be worked out (assume it may have rewritten)."""
    trusted = _uvicorn_trust(os.environ.get(UVICORN_ENV, UVICORN_DEFAULT))
    if trusted is None:
        return None
    trusts_someone = trusted.always_trust or trusted.trusted_hosts or trusted.trusted_networks
    if not (trusts_someone or trusted.trusted_literals - {""}):
        return ""
    host, _port = trusted.get_trusted_client_address(forwarded)
    return host


def peer(request: Request) -> Address | None:
    """The TCP peer, when it is known for certain; None when there is none or uvicorn may have replaced it."""
    address = parse_address(request.remote_ip)
    if address is None:
        return None
    forwarded = request.header_values("x-forwarded-for")
    if not forwarded:
        return address  # uvicorn rewrites only from an X-Forwarded-For header
    reading = _uvicorn_reading(", ".join(forwarded))
    if reading == "":
        return address
    if reading is None or parse_address(reading) == address:
        return None
    return address


def client_address(request: Request, proxies: tuple[Network, ...]) -> str:
    """The browser's address as far as it can be trusted: behind a listed proxy, the last address in
    X-Forwarded-For that is not itself a listed proxy; otherwise the peer. "" when there is no connection."""
    if request.remote_ip is None:
        return ""
    address = peer(request)
    if address is None:
        # uvicorn already read X-Forwarded-For from a peer it trusts: its reading is the best we have.
        parsed = parse_address(request.remote_ip)
        return str(parsed) if parsed else request.remote_ip[:64]
    if not _listed(address, proxies):
        return str(address)
    hops = [h.strip() for value in request.header_values("x-forwarded-for") for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        hop_address = parse_address(hop)
        if hop_address is None:
            return hop[:64]  # written by whoever stood before our proxies: a key to throttle on, not an address
        if not _listed(hop_address, proxies):
            return str(hop_address)
    return str(address)


class HeaderVerdict(StrEnum):
    ABSENT = "absent"  # no sign-on configured, or the header was not sent
    IGNORED = "ignored"  # sent, but not by a listed proxy (or ambiguously): the client's word, not believed
    HONOURED = "honoured"


def _header_text(value: str) -> str:
    # Headers arrive decoded as latin-1; a proxy passes a Chinese user name as raw UTF-8 bytes.
    try:
        return value.encode("latin-1").decode("utf-8").strip()
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value.strip()


def proxy_user(request: Request, header: str | None, proxies: tuple[Network, ...]) -> tuple[HeaderVerdict, str | None]:
    """The user name the sign-on proxy vouches for, if the header came from a listed proxy."""
    if not header:
        return HeaderVerdict.ABSENT, None
    values = {_header_text(v) for v in request.header_values(header)}
    values.discard("")
    if not values:
        return HeaderVerdict.ABSENT, None
    address = peer(request)
    if address is None or not proxies or not _listed(address, proxies) or len(values) != 1:
        return HeaderVerdict.IGNORED, None
    return HeaderVerdict.HONOURED, values.pop()
