"""Outbound HTTP that a remote party cannot aim at the hub's own network (SSRF).

Feeds (and anything else that fetches a URL an operator or member typed) use `guarded_session`: a `requests`
session that refuses to connect to loopback, link-local, private, multicast or reserved addresses unless the
operator allowed them, and never follows a redirect to another origin. The address is checked on the connected
socket itself, after DNS, so a name that resolves (or re-resolves) to 127.0.0.1 is refused as surely as the
literal address. `check_url` does the same check up front, for a clear error when a URL is first given.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class BlockedAddress(Exception):
    """An outbound request was refused: its target is internal, or a redirect changed origin."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are the IPv4 address reached
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local-use, reaches what the site maps
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address. IPv6 addresses that carry an IPv4 address (mapped,
    NAT64, 6to4, IPv4-compatible) are judged as that IPv4 address: Python calls NAT64 and 6to4 global
    whatever they embed, and behind NAT64 `64:ff9b::7f00:1` is 127.0.0.1."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (ip in _NAT64 or ip in _IPV4_COMPATIBLE):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def check_url(url: str, allow_private: bool = False, unresolvable_ok: bool = False) -> None:
    """Refuse (BlockedAddress) a URL whose host resolves to an internal address, or, unless
    `unresolvable_ok`, does not resolve: the connection itself is checked again anyway."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress(f"not an http(s) URL: {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        if unresolvable_ok:
            return
        raise BlockedAddress(f"{parts.hostname}: cannot be resolved ({exc})") from None
    for info in infos:
        if not is_public_address(str(info[4][0])):
            raise BlockedAddress(_refusal(parts.hostname, str(info[4][0])))


def _refusal(host: str, address: str) -> str:
    return (
        f"{host} is an internal address ({address}): loopback, link-local and private networks are refused "
        "unless the operator allows them"
    )


def _checked(sock: socket.socket, host: str) -> socket.socket:
    address = str(sock.getpeername()[0])
    if not is_public_address(address):
        sock.close()
        raise BlockedAddress(_refusal(host, address))
    return sock


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.host)


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.host)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class GuardedSession(requests.Session):
    """A session that follows redirects only within the origin of the response that redirects."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is not None and _origin(urljoin(resp.url, target)) != _origin(resp.url):
            raise BlockedAddress(f"refused a redirect from {_origin(resp.url)[1]} to another origin")
        return target


def guarded_session(allow_private: bool = False, session: requests.Session | None = None) -> requests.Session:
    """Guard `session` (or a new one): same-origin redirects only and, unless `allow_private`, public
    addresses only. A given plain `requests.Session` is re-classed in place (its adapters are replaced)."""
    guarded = session if session is not None else GuardedSession()
    if type(guarded) is requests.Session:
        guarded.__class__ = GuardedSession
    if not allow_private:
        guarded.mount("http://", _GuardedAdapter())
        guarded.mount("https://", _GuardedAdapter())
    return guarded
