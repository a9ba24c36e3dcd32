"""Warning lists: reasons to doubt, at submission time, that an observable is malicious.

A defender who submits ``google.com`` or ``192.168.1.1`` would, if nobody stopped them, ask platforms
to block something harmless for everyone. :func:`warnings_for` returns plain-English reasons to look
again; it never blocks anything by itself. Pure functions: no Flask, no database.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Final

from hub.stix.observables import Observable, normalise
from hub.stix.observables.normalisation import may_be_ip_address

__all__ = ["PopularDomains", "Warning", "popular_domains", "warnings_for"]


@dataclass(frozen=True, slots=True)
class Warning:  # shadows the builtin Warning inside this module only (interface name)
    """One reason to doubt that an observable is malicious."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class PopularDomains:
    """The shipped list: popular domains (subdomains count too) and hosting/shortener domains (exact only)."""

    with_subdomains: frozenset[str]
    exact_only: frozenset[str]


@functools.cache
def popular_domains() -> PopularDomains:
    """Load ``hub/stix/data/popular_domains.txt`` once per process."""
    text = resources.files("hub.stix").joinpath("data/popular_domains.txt").read_text(encoding="utf-8")
    with_subdomains: set[str] = set()
    exact_only: set[str] = set()
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        domain = normalise("domain", words[0])
        tag = words[1] if len(words) > 1 else ""
        (exact_only if tag in ("hosting", "shortener") else with_subdomains).add(domain)
    return PopularDomains(frozenset(with_subdomains), frozenset(exact_only))


# --- IP ranges --------------------------------------------------------------------------------------

_Net = ipaddress.IPv4Network | ipaddress.IPv6Network
_Span = tuple[int, int, int]  # IP version, first and last address as integers


def _spans(*cidrs: str) -> tuple[_Span, ...]:
    nets = (ipaddress.ip_network(c) for c in cidrs)
    return tuple((n.version, int(n.network_address), int(n.broadcast_address)) for n in nets)


# Checked in this order; the first class that contains the address or network wins. Held as integer spans:
# "contained" is two integer comparisons, where `ipaddress`'s `subnet_of` built objects for every range.
_IP_CLASSES: Final[tuple[tuple[str, tuple[_Span, ...], str], ...]] = (
    ("unspecified", _spans("0.0.0.0/32", "::/128"), "is the unspecified address, not a real host"),
    (
        "loopback",
        _spans("127.0.0.0/8", "::1/128"),
        "is a loopback address: it always means the device itself",
    ),
    (
        "link-local",
        _spans("169.254.0.0/16", "fe80::/10"),
        "is a link-local address: it only exists on a local network segment",
    ),
    (
        "documentation-range",
        _spans("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"),
        "is in a range reserved for documentation and examples (RFC 5737 / RFC 3849)",
    ),
    ("multicast", _spans("224.0.0.0/4", "ff00::/8"), "is a multicast address, not a single host"),
    (
        "private-ip",
        _spans("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"),
        "is a private address (RFC 1918, RFC 6598 or RFC 4193): it names a different device on every "
        "home, office or mobile network",
    ),
    (
        "reserved-ip",
        _spans("0.0.0.0/8", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4", "100::/64"),
        "is in a reserved range that is not used on the public Internet",
    ),
)
_BROAD_PREFIX: Final[dict[int, int]] = {4: 16, 6: 32}


def _span_of(value: str) -> tuple[_Span, int] | None:
    """The addresses an IP address or network covers and its prefix length (an IPv4-mapped IPv6 address
    counts as its IPv4 address); None when `value` is neither."""
    try:
        if "/" not in value:  # one address: `ip_address` is several times cheaper than `ip_network`
            addr = ipaddress.ip_address(value)
            if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
                addr = addr.ipv4_mapped
            return (addr.version, int(addr), int(addr)), addr.max_prefixlen
        net: _Net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen == 128:
        mapped = net.network_address.ipv4_mapped
        if mapped is not None:
            return (4, int(mapped), int(mapped)), 32
    return (net.version, int(net.network_address), int(net.broadcast_address)), net.prefixlen


def _ip_warnings(value: str) -> list[Warning]:
    found = _span_of(value)
    if found is None:
        return []
    (version, first, last), prefixlen = found
    result: list[Warning] = []
    for code, spans, why in _IP_CLASSES:
        if any(version == v and lo <= first and last <= hi for v, lo, hi in spans):
            result.append(Warning(code, f"{value} {why}; blocking it would not stop an attacker"))
            break
    if prefixlen < _BROAD_PREFIX[version]:
        result.append(
            Warning(
                "broad-network",
                f"{value} covers {last - first + 1:,} addresses; blocking it would cut off many unrelated "
                "people and services",
            )
        )
    return result


# --- Domains ----------------------------------------------------------------------------------------

_RESERVED_TLDS: Final[frozenset[str]] = frozenset(
    {"example", "test", "invalid", "localhost", "local", "internal", "home.arpa"}
)
_DOCUMENTATION_DOMAINS: Final[frozenset[str]] = frozenset({"example.com", "example.net", "example.org"})
_EMPTY_FILE_HASHES: Final[frozenset[str]] = frozenset(
    {
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    }
)
# The most labels in a reserved or documentation name ("home.arpa": 2).
_RESERVED_LABELS: Final = max(name.count(".") + 1 for name in _RESERVED_TLDS | _DOCUMENTATION_DOMAINS)
# Fictional numbers reserved for drama and examples: UK Ofcom (020 7946 0000-0999, 07700 900000-900999)
# and North America (555-0100 to 555-0199 in every area code).
_FICTIONAL_PHONES: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(r"\+442079460\d{3}"),
    re.compile(r"\+447700900\d{3}"),
    re.compile(r"\+1\d{3}55501\d{2}"),
)


def _suffixes(domain: str) -> list[str]:
    """'a.b.c' -> ['a.b.c', 'b.c', 'c']."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


@functools.lru_cache(maxsize=16)
def _normalised_hub_domains(hub_domains: tuple[str, ...]) -> frozenset[str]:
    """The hub's own domains, normalised (once per setting, not once per observable)."""
    result = set()
    for name in hub_domains:
        try:
            result.add(normalise("domain", name))
        except ValueError:
            continue
    return frozenset(result)


def _domain_warnings(
    domain: str, hub: frozenset[str], *, popular: bool, shown: str | None = None
) -> list[Warning]:
    """Warnings for a domain (or the host part of a URL or email address; ``shown`` is what to name)."""
    shown = shown or domain
    suffixes = _suffixes(domain)
    result: list[Warning] = []
    last = suffixes[-_RESERVED_LABELS:]  # only these can be a reserved or documentation name
    reserved = next((s for s in last if s in _RESERVED_TLDS), None)
    documentation = next((s for s in last if s in _DOCUMENTATION_DOMAINS), None)
    if reserved is not None:
        result.append(
            Warning(
                "reserved-tld",
                f"{shown} is under .{reserved}, which is reserved and never resolves on the Internet",
            )
        )
    elif documentation is not None:
        result.append(
            Warning("reserved-tld", f"{shown} is under {documentation}, which is reserved for examples")
        )
    own = next((s for s in suffixes if s in hub), None) if hub else None
    if own is not None:
        result.append(Warning("hub-domain", f"{shown} belongs to this hub ({own})"))
    if popular:
        lists = popular_domains()
        match = next((s for s in suffixes if s in lists.with_subdomains), None)
        if match is None and domain in lists.exact_only:
            match = domain
        if match is not None:
            where = shown if match == domain else f"{shown} is part of {match}, which"
            result.append(
                Warning(
                    "popular-domain",
                    f"{where} is one of the most visited domains; blocking it would harm many people",
                )
            )
    return result


def _url_warnings(url: str, hub: frozenset[str]) -> list[Warning]:
    _, _, rest = url.partition("://")
    cut = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if pos != -1:
            cut = min(cut, pos)
    authority, tail = rest[:cut], rest[cut:]
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        host = hostport[1 : hostport.find("]")]
    else:
        host = hostport.partition(":")[0]
    if may_be_ip_address(host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return _ip_warnings(host)
    # Phishing pages live on popular sites (docs.google.com/forms/..., bit.ly/abc, github.io/...):
    # only a bare site root on a popular domain is flagged as popular.
    bare_root = tail in ("", "/")
    return _domain_warnings(host, hub, popular=bare_root, shown=url)


def _phone_warnings(phone: str) -> list[Warning]:
    if any(p.fullmatch(phone) for p in _FICTIONAL_PHONES):
        return [Warning("fictional-number", f"{phone} is in a range reserved for fiction and examples")]
    return []


def warnings_for(observable: Observable, *, hub_domains: Iterable[str] = ()) -> list[Warning]:
    """Reasons to doubt that an observable is malicious; empty if none.

    ``observable.value`` must already be normalised (as :func:`hub.stix.observables.normalise` or
    ``extract_observables`` produce it). ``hub_domains`` are the hub's own domains.
    """
    kind, value = observable.kind, observable.value
    hub = _normalised_hub_domains(tuple(hub_domains))
    if kind in ("ipv4", "ipv6"):
        return _ip_warnings(value)
    if kind == "domain":
        return _domain_warnings(value, hub, popular=True)
    if kind == "url":
        return _url_warnings(value, hub)
    if kind == "email":
        # Attackers use gmail.com like everybody else: webmail domains are never flagged as popular.
        domain = value.rpartition("@")[2]
        return _domain_warnings(domain, hub, popular=False, shown=value)
    if kind in ("md5", "sha1", "sha256", "sha512") and value in _EMPTY_FILE_HASHES:
        return [
            Warning(
                "empty-file", f"{value} is the {kind.upper()} hash of an empty file, which matches many files"
            )
        ]
    if kind == "phone":
        return _phone_warnings(value)
    return []
