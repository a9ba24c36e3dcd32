"""Observables extracted from STIX 2.1 patterns: a fast path for one comparison, else the parser; cached."""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Final

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.grammars.STIXPatternListener import STIXPatternListener
from stix2patterns.v21.pattern import Pattern

from hub.stix.observables.kinds import Kind, Observable
from hub.stix.observables.normalisation import _normalise_phone, may_be_ip_address, normalise

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
# The overwhelmingly common shape: one observation with one equality comparison on a string. The string
# literal is written unrolled (`[^'\\]*(?:\\['\\][^'\\]*)*`, the same language as `(?:[^'\\]|\\['\\])*`):
# the regular expression engine then runs one character class over the value instead of trying two
# alternatives at every character, 2.5 times faster over the benchmark's patterns.
_FAST = re.compile(
    rf"{_WS}\[{_WS}(?P<type>[a-z][a-z0-9-]*[a-z0-9]):"
    r"(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|'[^'\\]*'))*)"
    rf"{_WS}={_WS}'(?P<value>[^'\\]*(?:\\['\\][^'\\]*)*)'{_WS}\]{_WS}"
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
    if kind == "domain" and may_be_ip_address(value.strip()):
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
    if len(observations) == 1 and len(observations[0]) == 1:  # the common `[type:path = 'value']`
        ((obj_type, path, value),) = observations[0]
        return (_to_observable(_kind_of(obj_type, path), obj_type, path, value, False),)
    seen: set[Observable] = set()
    result: list[Observable] = []
    for comparisons in observations:
        # An account compared beside `account_type = 'phone'` is a phone number (a lone comparison never is)
        phone = len(comparisons) > 1 and any(
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
    if obj_type in _KEYWORDS or not _KEYWORDS.isdisjoint(path):
        return None  # the lexer would read these as keywords; let the parser decide
    value = match.group("value")
    return [[(obj_type, tuple(path), _ESCAPE.sub(r"\1", value) if "\\" in value else value)]]


def _parse_full(pattern: str) -> list[list[_Comparison]]:
    try:
        compiled = Pattern(pattern)
    except ParseException as exc:
        raise ValueError(f"not a valid STIX 2.1 pattern: {exc}") from exc
    collector = _EqualityCollector()
    compiled.walk(collector)
    return collector.observations


# Observables by pattern text, per process: about 390 bytes an entry with its text, so 65,536 entries held
# 24 MiB once a worker had ingested that many distinct patterns: the cache grew with N (bench/memory.py).
# 8,192 hold 3 MiB (tests/test_cache_bounds.py).
EXTRACTION_CACHE_SIZE = 8_192


@functools.lru_cache(maxsize=EXTRACTION_CACHE_SIZE)
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
