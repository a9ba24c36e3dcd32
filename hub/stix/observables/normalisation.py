"""Normalisation of observable values of a known kind (domains, URLs, IPs, emails, hashes, phones...)."""

from __future__ import annotations

import encodings.idna
import ipaddress
import re
import unicodedata
from typing import Final, Literal

from hub.stix.observables.kinds import Kind

_HASH_LENGTHS: Final[dict[str, int]] = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
_HEX = re.compile(r"[0-9a-f]+")
# After IDNA conversion every label is ASCII. Deliberately lenient (underscores, leading/trailing
# hyphens occur in real malicious subdomains); what matters is that no separator or space gets in.
_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
_ASCII_NAME = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*")  # labels that each match _LABEL
# Full stops that IDNA (RFC 3490 section 3.1) treats as label separators.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_DEFAULT_PORTS: Final[dict[str, str]] = {"http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"}
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
_PHONE = re.compile(r"\+?[0-9]{3,15}")


def may_be_ip_address(text: str) -> bool:
    """False when `ipaddress.ip_address(text)` is sure to fail: an IPv4 address is ASCII digits and dots, an
    IPv6 address has colons. Checked first because a failed parse (two constructors, two exceptions) costs
    more than all the rest of normalising a domain or URL."""
    return ":" in text or not text.strip("0123456789.")


def _label_to_ascii(label: str) -> str:
    """One domain label to its ASCII (punycode) form, lower-case."""
    if label.isascii():
        return label.lower()
    try:
        # IDNA 2003 ToASCII: nameprep (case folding, NFKC) then punycode.
        return bytes(encodings.idna.ToASCII(label)).decode("ascii")
    except UnicodeError:
        # nameprep refuses some code points (unassigned in Unicode 3.2, bidi rules, ...); such names
        # still occur in the wild, so encode the lower-cased label with plain punycode instead.
        return "xn--" + label.lower().encode("punycode").decode("ascii")


def _normalise_domain(raw: str, *, wildcard: bool = True) -> str:
    name = raw.strip().translate(_DOTS)
    if wildcard and name.startswith("*."):
        name = name[2:]
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise ValueError(f"{raw!r} is not a domain name: it is empty")
    if name.isascii():  # every label lower-cased as it is: one pattern for the whole name
        lowered = name.lower()
        if _ASCII_NAME.fullmatch(lowered) is not None and len(lowered) <= 253:
            return lowered
    labels = [_label_to_ascii(label) for label in name.split(".")]
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise ValueError(
                f"{raw!r} is not a valid domain name: label {label!r} is empty, longer than 63 characters "
                "or contains characters other than letters, digits, '-' and '_'"
            )
    result = ".".join(labels)
    if len(result) > 253:
        raise ValueError(f"{raw!r} is not a valid domain name: longer than 253 characters")
    return result


def _normalise_ip(raw: str, version: Literal[4, 6]) -> str:
    text = raw.strip()
    if version == 6 and text.startswith("[") and "]" in text:
        text = text[1:].replace("]", "", 1)
    what = f"IPv{version} address or network"
    try:
        if "/" in text:
            # Host bits are dropped (strict=False): '198.51.100.7/24' means the network 198.51.100.0/24.
            net = ipaddress.ip_network(text, strict=False)
            if net.version != version:
                raise ValueError(f"{raw!r} is not an {what}")
            if net.num_addresses == 1:
                return str(net.network_address)
            return str(net)
        addr = ipaddress.ip_address(text)
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a valid {what}") from exc
    if addr.version != version:
        raise ValueError(f"{raw!r} is not an {what}")
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None and addr.scope_id is None:
        # Spelled out explicitly: str() of IPv4-mapped addresses changed in Python 3.13.
        return f"::ffff:{addr.ipv4_mapped}"
    return str(addr)


def _ipv4_text(text: str) -> str | None:
    """`text` as an IPv4 address in its usual form, or None when it is not one."""
    if text.strip("0123456789."):  # not only ASCII digits and dots: no IPv4 address (and no exception)
        return None
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def _url_domain(raw: str, host: str) -> str:
    try:
        return _normalise_domain(host, wildcard=False)
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a valid URL: {exc}") from exc


def _normalise_url(raw: str) -> str:
    text = raw.strip()
    match = _SCHEME.match(text)
    if not match:
        raise ValueError(f"{raw!r} is not a URL: it has no scheme such as 'https://'")
    scheme = match.group(1).lower()
    rest = text[match.end() :]
    end = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if pos != -1:
            end = min(end, pos)
    authority, tail = rest[:end], rest[end:]
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        close = hostport.find("]")
        if close == -1:
            raise ValueError(f"{raw!r} is not a valid URL: unclosed '[' in the host")
        host = "[" + _normalise_ip(hostport[1:close], 6) + "]"
        port_part = hostport[close + 1 :]
        if port_part and not port_part.startswith(":"):
            raise ValueError(f"{raw!r} is not a valid URL: unexpected text after the IPv6 host")
        port = port_part[1:]
    else:
        host_text, _, port = hostport.partition(":")
        if not host_text:
            raise ValueError(f"{raw!r} is not a valid URL: it has no host")
        host = _ipv4_text(host_text) or _url_domain(raw, host_text)
    if port:
        if not port.isascii() or not port.isdigit() or int(port) > 65535:
            raise ValueError(f"{raw!r} is not a valid URL: port {port!r} is not a number up to 65535")
        port = str(int(port))
        if _DEFAULT_PORTS.get(scheme) == port:
            port = ""
    if scheme in ("http", "https") and (not tail or tail[0] in "?#"):
        # RFC 3986 section 6.2.3: an empty path is equivalent to '/' for http(s).
        tail = "/" + tail
    return f"{scheme}://{userinfo}{at}{host}{':' + port if port else ''}{tail}"


def _normalise_email(raw: str) -> str:
    text = raw.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{raw!r} is not an email address: expected local-part@domain")
    if len(local) > 64 or any(c.isspace() or unicodedata.category(c) == "Cc" for c in local):
        raise ValueError(f"{raw!r} is not a valid email address: bad local part")
    try:
        domain = _normalise_domain(domain, wildcard=False)
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a valid email address: {exc}") from exc
    # The local part is case-sensitive per RFC 5321, but every large provider (Gmail, Outlook, Yahoo,
    # ...) treats it case-insensitively, and producers write the same sender address in different
    # cases; lower-casing it makes those match, at a negligible risk of merging two real mailboxes.
    return f"{local.lower()}@{domain}"


def _normalise_hash(kind: str, raw: str) -> str:
    value = raw.strip().lower()
    expected = _HASH_LENGTHS[kind]
    if len(value) != expected or not _HEX.fullmatch(value):
        raise ValueError(f"{raw!r} is not an {kind.upper()} hash: expected {expected} hexadecimal digits")
    return value


def _ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit (Arabic-Indic, Devanagari, full-width, ...) to ASCII."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _normalise_phone(raw: str) -> str:
    text = raw.strip()
    if text[:4].lower() == "tel:":
        text = text[4:]
    text = _PHONE_SEPARATORS.sub("", _ascii_digits(text))
    if text.startswith("00"):
        # '00' is the international call prefix in most of the world: 0044... is +44...
        text = "+" + text[2:]
    if not _PHONE.fullmatch(text):
        raise ValueError(f"{raw!r} is not a phone number: expected an optional '+' and 3 to 15 digits")
    return text


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


def _normalise_account(raw: str) -> str:
    value = re.sub(r"^[\s@]+", "", raw).rstrip().lower()
    if not value or _has_control(value):
        raise ValueError(f"{raw!r} is not an account name: it is empty or contains control characters")
    return value


def _normalise_file_name(raw: str) -> str:
    if not raw.strip() or _has_control(raw):
        raise ValueError(f"{raw!r} is not a file name: it is empty or contains control characters")
    return raw  # file names are case-sensitive on Android and Linux; kept exactly


def _normalise_app_id(raw: str) -> str:
    value = raw.strip()
    if not value or any(c.isspace() for c in value) or _has_control(value):
        raise ValueError(f"{raw!r} is not an app id: it is empty or contains spaces")
    return value  # Android package names are case-sensitive


def _normalise_other(raw: str) -> str:
    if not raw:
        raise ValueError("an observable value cannot be empty")
    return raw


def normalise(kind: Kind, raw: str) -> str:
    """Normalise one value of a known kind; raise ValueError with a clear message if it is not one."""
    if kind == "domain":
        return _normalise_domain(raw)
    if kind == "url":
        return _normalise_url(raw)
    if kind == "ipv4":
        return _normalise_ip(raw, 4)
    if kind == "ipv6":
        return _normalise_ip(raw, 6)
    if kind == "email":
        return _normalise_email(raw)
    if kind in _HASH_LENGTHS:
        return _normalise_hash(kind, raw)
    if kind == "account":
        return _normalise_account(raw)
    if kind == "phone":
        return _normalise_phone(raw)
    if kind == "file-name":
        return _normalise_file_name(raw)
    if kind == "app-id":
        return _normalise_app_id(raw)
    if kind == "other":
        return _normalise_other(raw)
    raise ValueError(f"unknown observable kind {kind!r}")
