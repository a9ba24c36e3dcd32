"""The indicator file that the Mobile Verification Toolkit loads with `--iocs`.

MVT's loader (mvt/common/indicators.py, `Indicators.parse_stix2`) reads `objects`, keeps `malware` (it reads
`name` unconditionally), `report`, `indicator` and `relationship`, and reads each pattern by stripping `[]`
and splitting the whole pattern on `=`: anything but exactly one `=` crashes the whole run. It then removes
every `'` from the value and compares it with what it finds on the phone. It ignores `revoked`, `valid_until`
and TLP.

So this export writes only shapes MVT reads correctly:
- indicators that are neither revoked nor expired, with `pattern_type` `stix`;
- one comparison per indicator, `[key='value']`, with a key MVT knows (hash keys in MVT's own spelling,
  `file:hashes.sha256`); a pattern that is a pure disjunction (`OR`, `IN (...)`) is split into one indicator
  per value with derived ids (uuid5 of the original id and the value); `AND`, `FOLLOWEDBY`, qualifiers and
  other operators cannot be said to MVT and are skipped;
- values without `'`, `\\`, `=`, `[`, `]` or surrounding spaces (MVT would mangle them), IPv4 addresses
  without prefix lengths, domains in lower case;
- `malware` only with a `name`, `indicates` relationships from exported indicators to exported malware
  (derived ones for split indicators), and reports whose `object_refs` are narrowed to the exported
  indicators.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Iterator
from typing import IO, Any

import orjson
from sqlalchemy.orm import Session

from hub.db import now_us
from hub.interop.exporter import BundleWriter, ExportScope, iter_visible
from hub.policy.principal import Principal
from hub.stix.validation import InvalidStix, parse_timestamp

_OBJ = r"[a-z0-9][a-z0-9-]*"
_STEP = r"(?:[A-Za-z_][A-Za-z0-9_]*|'[^'\\]*')"
_PATH = rf"{_STEP}(?:\.{_STEP}|\[(?:[0-9]+|\*)\])*"
_LIT = r"'(?:[^'\\]|\\.)*'"
_COMPARISON = re.compile(rf"({_OBJ}):({_PATH})\s*(?:=\s*({_LIT})|IN\s*\(\s*({_LIT}(?:\s*,\s*{_LIT})*)\s*\))")
_ONLY_OR = re.compile(r"[\s\[\]()]*(?:OR[\s\[\]()]*)*")
_LITERAL = re.compile(_LIT)
_ESCAPE = re.compile(r"\\(.)")
_UNSAFE = re.compile(r"['\\=\[\]\n\r\t]")

MVT_KEYS = frozenset(
    {
        "domain-name:value",
        "ipv4-addr:value",
        "url:value",
        "email-addr:value",
        "process:name",
        "file:name",
        "file:path",
        "file:hashes.md5",
        "file:hashes.sha1",
        "file:hashes.sha256",
        "app:cert.md5",
        "app:cert.sha1",
        "app:cert.sha256",
        "app:id",
        "configuration-profile:id",
        "android-property:name",
    }
)
_NAMESPACE = uuid.UUID("6b1d5e0a-3c55-4a5e-9f0e-6d1f3f2b8c11")


def disjunction(pattern: str) -> list[tuple[str, str]] | None:
    """The (object:path, value) pairs of a pattern that matches when any one of them matches, or None when the
    pattern says more than that (AND, FOLLOWEDBY, qualifiers, other operators)."""
    pairs: list[tuple[str, str]] = []
    for match in _COMPARISON.finditer(pattern):
        key = f"{match.group(1)}:{match.group(2)}"
        literals = [match.group(3)] if match.group(3) else _LITERAL.findall(match.group(4))
        pairs.extend((key, _ESCAPE.sub(r"\1", literal[1:-1])) for literal in literals)
    if not pairs or not _ONLY_OR.fullmatch(_COMPARISON.sub(" ", pattern)):
        return None
    return pairs


def mvt_comparison(key: str, value: str) -> tuple[str, str] | None:
    """The (key, value) MVT reads correctly for one comparison, or None when MVT cannot use it safely."""
    for sep in ("hashes.", "cert."):
        prefix, found, algorithm = key.partition(sep)
        if found:
            key = prefix + sep + algorithm.replace("'", "").replace("-", "").lower()
            break
    if key not in MVT_KEYS or not value or value != value.strip() or _UNSAFE.search(value):
        return None
    if key == "ipv4-addr:value":
        try:
            value = str(ipaddress.IPv4Address(value.removesuffix("/32")))
        except ValueError:
            return None
    elif key in ("domain-name:value", "email-addr:value") or ":hashes." in key or ":cert." in key:
        value = value.lower()
    return key, value


def mvt_indicators(obj: dict[str, Any], now: int) -> list[dict[str, Any]]:
    """The MVT-safe indicators derived from one stored indicator (none when revoked, expired or unusable)."""
    if obj.get("revoked") or obj.get("pattern_type") != "stix" or is_expired(obj, now):
        return []
    pairs = disjunction(obj.get("pattern", ""))
    if pairs is None:
        return []
    safe = [c for c in (mvt_comparison(key, value) for key, value in pairs) if c is not None]
    unique = list(dict.fromkeys(safe))
    single = len(pairs) == 1 and len(unique) == 1
    out = []
    for key, value in unique:
        stix_id = (
            obj["id"]
            if single
            else f"indicator--{uuid.uuid5(_NAMESPACE, obj['id'] + '|' + key + '|' + value)}"
        )
        out.append({**obj, "id": stix_id, "pattern": f"[{key}='{value}']"})
    return out


def export_mvt(session: Session, p: Principal, scope: ExportScope, out: IO[str]) -> int:
    """Write the MVT indicator bundle of what `p` may see in the scope; returns how many objects it holds."""
    writer = BundleWriter(out)
    malware: set[str] = set()
    for obj in _objects(session, p, scope, "malware"):
        if isinstance(obj.get("name"), str) and obj["name"] and obj["id"] not in malware:
            malware.add(obj["id"])
            _write(writer, obj)
    exported: dict[str, list[str]] = {}
    now = now_us()
    for obj in _objects(session, p, scope, "indicator"):
        if obj["id"] in exported:
            continue
        derived = mvt_indicators(obj, now)
        exported[obj["id"]] = [d["id"] for d in derived]
        for indicator in derived:
            _write(writer, indicator)
    seen: set[str] = set()
    for obj in _objects(session, p, scope, "relationship"):
        if (
            obj.get("relationship_type") != "indicates"
            or obj["target_ref"] not in malware
            or obj["id"] in seen
        ):
            continue
        seen.add(obj["id"])
        for source in exported.get(obj["source_ref"], ()):
            derived_id = (
                obj["id"]
                if source == obj["source_ref"]
                else f"relationship--{uuid.uuid5(_NAMESPACE, obj['id'] + '|' + source)}"
            )
            _write(writer, {**obj, "id": derived_id, "source_ref": source})
    for obj in _objects(session, p, scope, "report"):
        refs = [new for ref in obj.get("object_refs", ()) for new in exported.get(ref, ())]
        if refs and obj["id"] not in seen:
            seen.add(obj["id"])
            _write(writer, {**obj, "object_refs": refs})
    return writer.close()


def is_expired(obj: dict[str, Any], now: int) -> bool:
    """True when `valid_until` has passed (or cannot be read)."""
    until = obj.get("valid_until")
    if not isinstance(until, str):
        return False
    try:
        return parse_timestamp(until) <= now
    except InvalidStix:
        return True


def _objects(session: Session, p: Principal, scope: ExportScope, stix_type: str) -> Iterator[dict[str, Any]]:
    for row in iter_visible(session, p, scope, types=(stix_type,)):
        yield orjson.loads(row.body)


def _write(writer: BundleWriter, obj: dict[str, Any]) -> None:
    writer.write(orjson.dumps(obj).decode(), obj["id"])
