"""Observable values extracted from STIX 2.1 patterns, normalised for indexed equality lookups.

At ingest the hub walks each indicator's pattern and stores every equality comparison as an
:class:`Observable` (kind + normalised value). A lookup runs what the user typed through
:func:`candidates`, which normalises it the same way, and then does an indexed ``IN``/``=`` query.
Everything here is pure: no Flask, no database.
"""

from __future__ import annotations

import encodings.idna
import functools
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.grammars.STIXPatternListener import STIXPatternListener
from stix2patterns.v21.pattern import Pattern

__all__ = ["Kind", "Observable", "candidates", "clear_cache", "extract_observables", "normalise"]

Kind = Literal[
    "domain",
    "url",
    "ipv4",
    "ipv6",
    "email",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "account",
    "phone",
    "file-name",
    "app-id",
    "other",
]


@dataclass(frozen=True, slots=True)
class Observable:
    """One observable value: its kind and its normalised form (what the lookup index stores)."""

    kind: Kind
    value: str


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------

_HASH_LENGTHS: Final[dict[str, int]] = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
_HEX = re.compile(r"[0-9a-f]+")
# After IDNA conversion every label is ASCII. Deliberately lenient (underscores, leading/trailing
# hyphens occur in real malicious subdomains); what matters is that no separator or space gets in.
_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
# Full stops that IDNA (RFC 3490 section 3.1) treats as label separators.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_DEFAULT_PORTS: Final[dict[str, str]] = {"http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"}
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
_PHONE = re.compile(r"\+?[0-9]{3,15}")


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
        try:
            host = str(ipaddress.IPv4Address(host_text))
        except ValueError:
            try:
                host = _normalise_domain(host_text, wildcard=False)
            except ValueError as exc:
                raise ValueError(f"{raw!r} is not a valid URL: {exc}") from exc
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


# --------------------------------------------------------------------------------------------------
# Pattern extraction
# --------------------------------------------------------------------------------------------------

_Comparison = tuple[str, tuple[str, ...], str]  # (object type, path components, value)

_HASH_KEYS: Final[dict[str, Kind]] = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
_SIMPLE_PATHS: Final[dict[tuple[str, tuple[str, ...]], Kind]] = {
    ("domain-name", ("value",)): "domain",
    ("url", ("value",)): "url",
    ("ipv4-addr", ("value",)): "ipv4",
    ("ipv6-addr", ("value",)): "ipv6",
    ("email-addr", ("value",)): "email",
    ("email-message", ("from_ref", "value")): "email",
    ("email-message", ("sender_ref", "value")): "email",
    ("user-account", ("account_login",)): "account",
    ("user-account", ("user_id",)): "account",
    ("user-account", ("display_name",)): "account",
    ("x-phone-number", ("value",)): "phone",
    ("phone-number", ("value",)): "phone",
    ("file", ("name",)): "file-name",
    ("app", ("id",)): "app-id",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_KEYWORDS: Final[frozenset[str]] = frozenset(
    "AND OR NOT FOLLOWEDBY LIKE MATCHES ISSUPERSET ISSUBSET EXISTS LAST IN START STOP SECONDS true false "
    "WITHIN REPEATS TIMES".split()
)
_WS = r"[ \t\r\n]*"
# The overwhelmingly common shape: one observation with one equality comparison on a string.
_FAST = re.compile(
    rf"{_WS}\[{_WS}(?P<type>[a-z][a-z0-9-]*[a-z0-9]):"
    r"(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|'[^'\\]*'))*)"
    rf"{_WS}={_WS}'(?P<value>(?:[^'\\]|\\['\\])*)'{_WS}\]{_WS}"
)
_FAST_PATH_STEP = re.compile(r"\.(?:([A-Za-z_][A-Za-z0-9_]*)|'([^'\\]*)')")


def _unescape(literal: str) -> str:
    """A STIX string literal (with its quotes) to its value: only \\' and \\\\ are escapes."""
    return _ESCAPE.sub(r"\1", literal[1:-1])


def _render_path(path: tuple[str, ...]) -> str:
    out = []
    for i, step in enumerate(path):
        if step.startswith("[") and step.endswith("]"):
            out.append(step)
        else:
            part = (
                step
                if _IDENTIFIER.fullmatch(step)
                else "'" + step.replace("\\", "\\\\").replace("'", "\\'") + "'"
            )
            out.append(part if i == 0 else "." + part)
    return "".join(out)


def _kind_of(obj_type: str, path: tuple[str, ...]) -> Kind | None:
    kind = _SIMPLE_PATHS.get((obj_type, path))
    if kind is not None:
        return kind
    if obj_type == "file" and len(path) == 2 and path[0] == "hashes":
        return _HASH_KEYS.get(path[1].upper().replace("-", "").replace("_", ""))
    return None


def _to_observable(
    kind: Kind | None, obj_type: str, path: tuple[str, ...], value: str, phone: bool
) -> Observable:
    if kind == "account" and phone:
        try:
            return Observable("phone", _normalise_phone(value))
        except ValueError:
            pass
    if kind == "domain":
        # Producers put IP literals in domain-name:value (Amnesty's NoviSpy file does); index them as IPs
        # so that an IP lookup finds them.
        try:
            ip_addr = ipaddress.ip_address(value.strip())
        except ValueError:
            pass
        else:
            ip_kind: Kind = "ipv4" if ip_addr.version == 4 else "ipv6"
            return Observable(ip_kind, normalise(ip_kind, value))
    if kind is not None and kind != "other":
        try:
            return Observable(kind, normalise(kind, value))
        except ValueError:
            pass  # a known path with a malformed value: keep it, as "other"
    return Observable("other", f"{obj_type}:{_render_path(path)}={value}")


def _observables(observations: list[list[_Comparison]]) -> tuple[Observable, ...]:
    seen: set[Observable] = set()
    result: list[Observable] = []
    for comparisons in observations:
        phone = any(
            t == "user-account" and p == ("account_type",) and v.strip().lower() == "phone"
            for t, p, v in comparisons
        )
        for obj_type, path, value in comparisons:
            obs = _to_observable(_kind_of(obj_type, path), obj_type, path, value, phone)
            if obs not in seen:
                seen.add(obs)
                result.append(obs)
    return tuple(result)


class _EqualityCollector(STIXPatternListener):  # type: ignore[misc]
    """Collects equality and IN comparisons, grouped by observation expression, in pattern order."""

    def __init__(self) -> None:
        self.observations: list[list[_Comparison]] = []
        self._type = ""
        self._path: list[str] = []

    def enterObservationExpressionSimple(self, ctx: object) -> None:  # noqa: N802 (ANTLR API)
        self.observations.append([])

    def exitObjectType(self, ctx: object) -> None:  # noqa: N802
        self._type = ctx.getText()  # type: ignore[attr-defined]

    def exitFirstPathComponent(self, ctx: object) -> None:  # noqa: N802
        literal = ctx.StringLiteral()  # type: ignore[attr-defined]
        self._path = [_unescape(literal.getText()) if literal else ctx.getText()]  # type: ignore[attr-defined]

    def exitKeyPathStep(self, ctx: object) -> None:  # noqa: N802
        ident = ctx.IdentifierWithoutHyphen()  # type: ignore[attr-defined]
        if ident:
            self._path.append(ident.getText())
        else:
            self._path.append(_unescape(ctx.StringLiteral().getText()))  # type: ignore[attr-defined]

    def exitIndexPathStep(self, ctx: object) -> None:  # noqa: N802
        self._path.append("[*]" if ctx.ASTERISK() else f"[{ctx.IntPosLiteral().getText()}]")  # type: ignore[attr-defined]

    @staticmethod
    def _literal(ctx: object) -> str:
        text: str = ctx.getText()  # type: ignore[attr-defined]
        return _unescape(text) if text.startswith("'") else text

    def _add(self, literals: list[object]) -> None:
        path = tuple(self._path)
        self.observations[-1].extend((self._type, path, self._literal(lit)) for lit in literals)

    def exitPropTestEqual(self, ctx: object) -> None:  # noqa: N802
        if ctx.NOT() or ctx.NEQ():  # type: ignore[attr-defined]
            return
        self._add([ctx.primitiveLiteral()])  # type: ignore[attr-defined]

    def exitPropTestSet(self, ctx: object) -> None:  # noqa: N802
        if ctx.NOT():  # type: ignore[attr-defined]
            return
        self._add(list(ctx.setLiteral().primitiveLiteral()))  # type: ignore[attr-defined]


def _parse_fast(pattern: str) -> list[list[_Comparison]] | None:
    match = _FAST.fullmatch(pattern)
    if match is None:
        return None
    obj_type, path_text = match.group("type"), match.group("path")
    first, _, _ = path_text.partition(".")
    path = [first] + [a or b for a, b in _FAST_PATH_STEP.findall(path_text[len(first) :])]
    if obj_type in _KEYWORDS or any(step in _KEYWORDS for step in path):
        return None  # the lexer would read these as keywords; let the parser decide
    return [[(obj_type, tuple(path), _ESCAPE.sub(r"\1", match.group("value")))]]


def _parse_full(pattern: str) -> list[list[_Comparison]]:
    try:
        compiled = Pattern(pattern)
    except ParseException as exc:
        raise ValueError(f"not a valid STIX 2.1 pattern: {exc}") from exc
    collector = _EqualityCollector()
    compiled.walk(collector)
    return collector.observations


@functools.lru_cache(maxsize=65536)
def _extract_cached(pattern: str) -> tuple[Observable, ...]:
    observations = _parse_fast(pattern)
    if observations is None:
        observations = _parse_full(pattern)
    return _observables(observations)


def extract_observables(pattern: str) -> list[Observable]:
    """Every ``=`` (and ``IN (...)`` member) comparison in a STIX 2.1 pattern, normalised, de-duplicated,
    in pattern order.

    Other comparisons (LIKE, MATCHES, !=, <, >, ISSUBSET, NOT ...) are skipped. Paths without a known
    kind, and known paths whose value is malformed, become kind "other" with value 'type:path=value'.
    Raises ValueError if the text is not a valid STIX 2.1 pattern. Results are cached by pattern text.
    """
    return list(_extract_cached(pattern))


def clear_cache() -> None:
    """Empty the pattern cache (for benchmarks and tests)."""
    _extract_cached.cache_clear()


# --------------------------------------------------------------------------------------------------
# Lookup candidates
# --------------------------------------------------------------------------------------------------

_REFANG: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"\[@\]|\(@\)|\[at\]|\(at\)", re.IGNORECASE), "@"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"^hxxp", re.IGNORECASE), "http"),
    (re.compile(r"^fxp", re.IGNORECASE), "ftp"),
)
_HASH_BY_LENGTH: Final[dict[int, Kind]] = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_PHONE_LIKE = re.compile(r"(?:\+|tel:)?[\d\s\-.()/]+", re.IGNORECASE)
_EXTENSION = re.compile(r"[^/\\]+\.([A-Za-z0-9]{1,6})")
# Extensions that make a dotted name more likely a file than a host ('roleaccountd.plist').
_FILE_EXTENSIONS: Final[frozenset[str]] = frozenset(
    "apk ipa plist db sqlite so dex jar exe dll sys bin sh js py zip rar 7z gz tar dmg pkg deb rpm msi "
    "bat ps1 vbs doc docx xls xlsx ppt pptx pdf rtf txt log json xml html htm png jpg jpeg gif mp4 dylib "
    "app ko elf tmp dat cfg conf ini lnk scr".split()
)
# First labels that make a dotted name look like an Android/iOS app id (reverse DNS: com.example.app).
_REVERSED_FIRST_LABELS: Final[frozenset[str]] = frozenset(
    "com org net io app dev info biz edu gov me co tv cc".split()
)
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_TOKEN = re.compile(r"[\w.-]+")
_MAX_INPUT = 4096


class _Candidates:
    def __init__(self) -> None:
        self.items: list[Observable] = []

    def add(self, kind: Kind, raw: str) -> bool:
        try:
            obs = Observable(kind, normalise(kind, raw))
        except ValueError:
            return False
        if obs not in self.items:
            self.items.append(obs)
        return True


def _clean_input(raw: str) -> str:
    text = raw.strip()
    while len(text) >= 2 and (text[0], text[-1]) in {("<", ">"), ('"', '"'), ("'", "'"), ("`", "`")}:
        text = text[1:-1].strip()
    for regex, replacement in _REFANG:
        text = regex.sub(replacement, text)
    return text


def _looks_reversed(text: str) -> bool:
    first = text.split(".", 1)[0].lower()
    return first in _REVERSED_FIRST_LABELS or len(first) == 2


def _add_host(out: _Candidates, host: str) -> None:
    for kind in ("ipv4", "ipv6", "domain"):
        if out.add(kind, host):
            return


def _candidates(raw: str) -> list[Observable]:
    text = _clean_input(raw)
    if not text or len(text) > _MAX_INPUT or _has_control(text):
        return []
    out = _Candidates()
    lowered = text.lower()

    kind = _HASH_BY_LENGTH.get(len(text))
    if kind and _HEX.fullmatch(lowered):
        out.add(kind, text)
        return out.items

    if text.startswith("@") and "@" not in text[1:]:
        out.add("account", text)
        return out.items

    if lowered.startswith("mailto:") or (
        "@" in text and "/" not in text and not any(c.isspace() for c in text)
    ):
        if out.add("email", text):
            return out.items

    if out.add("ipv4", text) or out.add("ipv6", text):
        return out.items

    if _PHONE_LIKE.fullmatch(text) and sum(c.isdigit() for c in text) >= 7:
        if out.add("phone", text):
            out.add("account", normalise("phone", text))
            return out.items

    scheme = _SCHEME.match(text)
    if scheme or any(sep in text for sep in "/?#:"):
        if text.startswith("/"):
            out.add("other", f"file:path={text}")
            return out.items
        urls = [text] if scheme else ["http://" + text, "https://" + text]
        for url in urls:
            out.add("url", url)
        if out.items:
            host = out.items[0].value.split("://", 1)[1]
            host = re.split(r"[/?#]", host, maxsplit=1)[0].rpartition("@")[2]
            if host.startswith("["):
                host = host[1 : host.index("]")]
            else:
                host = host.partition(":")[0]
            _add_host(out, host)
        return out.items

    is_domain = False
    if "." in text and not any(c.isspace() for c in text):
        is_domain = out.add("domain", text)
        if _PACKAGE.fullmatch(text) and _looks_reversed(text):
            out.add("app-id", text)
    extension = _EXTENSION.fullmatch(text)
    if extension and (not is_domain or extension.group(1).lower() in _FILE_EXTENSIONS):
        out.add("file-name", text)
    if not out.items and _TOKEN.fullmatch(text):
        out.add("account", text)
        out.add("other", f"process:name={text}")
    return out.items


def candidates(raw: str) -> list[Observable]:
    """What a user typed into a lookup box -> the normalised observables it could mean, most likely first.

    Accepts URLs with or without a scheme, domains ('Example.COM.'), IPs, phone numbers, '@handle',
    email addresses, hashes, file names and app ids; defanged forms ('hxxp://evil[.]com') are refanged.
    Never raises; returns an empty list for garbage.
    """
    try:
        return _candidates(raw)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; garbage in, nothing out
        return []
