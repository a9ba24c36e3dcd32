"""Fast, complete validation of STIX 2.1 objects as they are ingested.

Every object that enters the hub (TAXII POST, web upload, CLI import, federation) goes through
:func:`validate_object`. It works on the decoded JSON with tables of required properties and value
forms per STIX type, instead of building ``stix2`` objects, which is about twenty times slower.
Pattern syntax is checked with the real STIX pattern grammar (``stix2patterns``), cached by pattern
text, with a strict fast path for the single comparison ``[type:path = 'value']``.

Choices worth knowing (see also the docstring of :func:`validate_object`):

* Properties whose value is JSON ``null`` or an empty list are treated as absent and dropped from
  the returned object, as the ``stix2`` library does (the specification forbids both and says an
  empty list must not stand in for an omitted property). A *required* property that is ``null`` or
  empty is an error.
* STIX 2.0 objects are upgraded to 2.1 where the mapping is well defined; a 2.0 ``malware`` gets
  ``"is_family": false`` (2.0 has no way to say whether it describes a family or an instance; an
  instance is the weaker claim and keeps ``name`` optional, as in 2.0).
* Marking definitions that claim to be TLP (``definition_type: "tlp"`` or the TLP 2.0 extension)
  must be the canonical ones (id, colour): a look-alike "TLP:CLEAR" with another id would otherwise
  slip past per-object TLP enforcement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Final

__all__ = [
    "InvalidStix",
    "check_pattern",
    "format_timestamp",
    "parse_timestamp",
    "validate_object",
    "version_of",
]


class InvalidStix(ValueError):
    """An object that cannot be accepted.

    str(exc) is a clear, user-facing message naming the property at fault.

    ``object_id`` and ``property`` carry the object's id (when it has a usable one) and the property at
    fault (when there is one), for callers that report them separately.
    """

    def __init__(self, message: str, *, object_id: str | None = None, property: str | None = None) -> None:
        super().__init__(message)
        self.object_id = object_id
        self.property = property


# --------------------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------------------

_TS_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?Z"
)
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_US_PER_DAY: Final = 86_400_000_000
_MIN_US: Final = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z
_MAX_US: Final = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    """Inverse of :func:`_days_from_civil`."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def parse_timestamp(value: str) -> int:
    """A STIX/TAXII timestamp as integer microseconds since the epoch.

    The form is YYYY-MM-DDTHH:MM:SS[.0-9 digits]Z (UTC). Raises InvalidStix.
    Digits beyond 6 are truncated (STIX allows more precision than microseconds).
    """
    m = _TS_RE.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise InvalidStix(f"{_short(value)} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z, UTC)")
    ys, mos, ds, hs, mis, ss, frac = m.groups()
    y, mo, d, h, mi, s = int(ys), int(mos), int(ds), int(hs), int(mis), int(ss)
    if not (
        y >= 1
        and 1 <= mo <= 12
        and 1 <= d
        and (
            d <= _DAYS_IN_MONTH[mo] or (mo == 2 and d == 29 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
        )
        and h <= 23
        and mi <= 59
        and s <= 59
    ):
        raise InvalidStix(f"{_short(value)} is not a valid date and time")
    us = ((_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s
    us *= 1_000_000
    if frac:
        us += int((frac + "00000")[:6])
    return us


def format_timestamp(us: int) -> str:
    """Integer microseconds -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (TAXII form, always 6 digits)."""
    if not _MIN_US <= us <= _MAX_US:
        raise ValueError(f"timestamp out of range: {us}")
    days, rest = divmod(us, _US_PER_DAY)
    y, mo, d = _civil_from_days(days)
    secs, frac = divmod(rest, 1_000_000)
    h, rem = divmod(secs, 3600)
    mi, s = divmod(rem, 60)
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{frac:06d}Z"


def version_of(obj: Mapping[str, Any]) -> str | None:
    """The TAXII version of an object: `modified`, else `created`, else None (SCOs)."""
    v = obj.get("modified")
    if v is None:
        v = obj.get("created")
    return v if isinstance(v, str) else None


# --------------------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------------------

# The single comparison `[type:path = 'value']`, restricted so that every match is a valid STIX 2.1
# pattern for the ANTLR grammar in stix2patterns: a lower-case object type (IdentifierWithHyphen),
# lower-case unquoted path steps (IdentifierWithoutHyphen), `=`, and a string literal whose only
# escapes are \' and \\ (the grammar's StringLiteral). Spaces only as separators.
_FAST_PATTERN_RE: Final = re.compile(
    r"\[ *([a-z][a-z0-9]*(?:-[a-z0-9]+)*) *: *([a-z_][a-z0-9_]*(?: *\. *[a-z_][a-z0-9_]*)*)"
    r" *= *'(?:[^'\\]|\\['\\])*' *\]"
)
# `[file:hashes.<ALGORITHM> = '<hex>']`, quoted or not: stix2patterns accepts exactly these when the value has
# the algorithm's length in hex digits (its `object_validator.HASHES_REGEX`), so they need no parse either.
_FAST_HASH_PATTERN_RE: Final = re.compile(
    r"\[ *file *: *hashes *\. *(?:'([A-Za-z0-9-]+)'|([A-Za-z0-9]+)) *= *'([0-9a-fA-F]+)' *\]"
)
_HEX_DIGITS_BY_ALGORITHM: Final = {"MD5": 32, "SHA1": 40, "SHA256": 64, "SHA512": 128}
# Lower-case words the lexer would read as literals, not identifiers.
_PATTERN_LOWER_KEYWORDS: Final = frozenset({"true", "false"})


@lru_cache(maxsize=65_536)
def _pattern_error(pattern: str) -> str | None:
    """None if `pattern` is a valid STIX 2.1 pattern, else the parser's first message."""
    m = _FAST_PATTERN_RE.fullmatch(pattern)
    if m is not None:
        obj_type, path = m.group(1), m.group(2)
        steps = {s.strip() for s in path.split(".")}
        # `hashes` paths get a hash-format check in stix2patterns: leave those to the full parser.
        if (
            obj_type not in _PATTERN_LOWER_KEYWORDS
            and not (steps & _PATTERN_LOWER_KEYWORDS)
            and "hashes" not in steps
        ):
            return None
    if _is_fast_hash_pattern(pattern):
        return None
    from stix2patterns.validator import run_validator

    try:
        errors = run_validator(pattern, "2.1")
    except Exception as exc:  # the ANTLR runtime can fail on pathological input
        return f"the pattern parser failed: {exc}"
    if not errors:
        return None
    return str(errors[0]).removeprefix("FAIL: ")


def _is_fast_hash_pattern(pattern: str) -> bool:
    m = _FAST_HASH_PATTERN_RE.fullmatch(pattern)
    if m is None:
        return False
    algorithm = (m.group(1) or m.group(2)).upper().replace("-", "")
    return _HEX_DIGITS_BY_ALGORITHM.get(algorithm) == len(m.group(3))


def check_pattern(pattern: str) -> None:
    """Raise InvalidStix if `pattern` is not a valid STIX 2.1 pattern.

    Cached by text (functools.lru_cache of a bounded size); fast path for the common single-comparison
    shape `[type:path = 'value']` that is provably valid, full stix2patterns parse otherwise.
    """
    if not isinstance(pattern, str):
        raise InvalidStix("a STIX pattern must be a string", property="pattern")
    err = _pattern_error(pattern)
    if err is not None:
        raise InvalidStix(f"not a valid STIX pattern: {err}", property="pattern")


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------

_TYPE_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]")
_UUID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
)
_REF_RE: Final = re.compile(
    r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
)
_PROP_NAME_RE: Final = re.compile(r"[a-z0-9_]{3,250}")
_RELATIONSHIP_TYPE_RE: Final = re.compile(r"[a-z0-9-]+")

SDO_TYPES: Final = frozenset(
    {
        "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
        "infrastructure", "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data",
        "opinion", "report", "threat-actor", "tool", "vulnerability",
    }
)  # fmt: skip
SRO_TYPES: Final = frozenset({"relationship", "sighting"})
META_TYPES: Final = frozenset({"marking-definition", "language-content", "extension-definition"})
SCO_TYPES: Final = frozenset(
    {
        "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
        "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
        "user-account", "windows-registry-key", "x509-certificate",
    }
)  # fmt: skip
# Types that did not exist in STIX 2.0: without spec_version they cannot be upgraded.
_NEW_IN_21: Final = frozenset(
    {"grouping", "incident", "infrastructure", "location", "malware-analysis", "note", "opinion",
     "language-content", "extension-definition"}
)  # fmt: skip

# Value kinds of the properties the specification defines.
_STR, _BOOL, _INT, _FLOAT, _TS, _STRLIST, _DICT, _EXTREFS, _KCP, _GRANULAR, _EXTENSIONS, _ANY = range(12)

_KIND: Final[dict[str, int]] = {
    # common
    "created": _TS, "modified": _TS, "revoked": _BOOL, "labels": _STRLIST, "confidence": _INT, "lang": _STR,
    "external_references": _EXTREFS, "granular_markings": _GRANULAR, "extensions": _EXTENSIONS,
    "defanged": _BOOL,
    # SDO / SRO / meta
    "name": _STR, "description": _STR, "aliases": _STRLIST, "kill_chain_phases": _KCP,
    "first_seen": _TS, "last_seen": _TS, "objective": _STR, "context": _STR, "roles": _STRLIST,
    "identity_class": _STR, "sectors": _STRLIST, "contact_information": _STR,
    "indicator_types": _STRLIST, "pattern": _STR, "pattern_type": _STR, "pattern_version": _STR,
    "valid_from": _TS, "valid_until": _TS, "infrastructure_types": _STRLIST, "goals": _STRLIST,
    "resource_level": _STR, "primary_motivation": _STR, "secondary_motivations": _STRLIST,
    "personal_motivations": _STRLIST, "latitude": _FLOAT, "longitude": _FLOAT, "precision": _FLOAT,
    "region": _STR, "country": _STR, "administrative_area": _STR, "city": _STR, "street_address": _STR,
    "postal_code": _STR, "malware_types": _STRLIST, "is_family": _BOOL,
    "architecture_execution_envs": _STRLIST,
    "implementation_languages": _STRLIST, "capabilities": _STRLIST, "product": _STR, "version": _STR,
    "configuration_version": _STR, "modules": _STRLIST, "analysis_engine_version": _STR,
    "analysis_definition_version": _STR, "submitted": _TS, "analysis_started": _TS, "analysis_ended": _TS,
    "result_name": _STR, "result": _STR, "abstract": _STR, "content": _STR, "authors": _STRLIST,
    "first_observed": _TS, "last_observed": _TS, "number_observed": _INT, "objects": _DICT,
    "explanation": _STR, "opinion": _STR, "report_types": _STRLIST, "published": _TS,
    "threat_actor_types": _STRLIST, "sophistication": _STR, "tool_types": _STRLIST, "tool_version": _STR,
    "relationship_type": _STR, "start_time": _TS, "stop_time": _TS, "count": _INT, "summary": _BOOL,
    "definition_type": _STR, "definition": _DICT, "object_modified": _TS, "contents": _DICT,
    "schema": _STR, "extension_types": _STRLIST, "extension_properties": _STRLIST,
    # SCO
    "value": _STR, "hashes": _DICT, "size": _INT, "mime_type": _STR, "payload_bin": _STR, "url": _STR,
    "encryption_algorithm": _STR, "decryption_key": _STR, "number": _INT, "rir": _STR, "path": _STR,
    "path_enc": _STR, "ctime": _TS, "mtime": _TS, "atime": _TS, "display_name": _STR, "is_multipart": _BOOL,
    "date": _TS, "content_type": _STR, "message_id": _STR, "subject": _STR, "received_lines": _STRLIST,
    "additional_header_fields": _DICT, "body": _STR, "name_enc": _STR, "magic_number_hex": _STR,
    "start": _TS, "end": _TS, "is_active": _BOOL, "src_port": _INT, "dst_port": _INT, "protocols": _STRLIST,
    "src_byte_count": _INT, "dst_byte_count": _INT, "src_packets": _INT, "dst_packets": _INT, "ipfix": _DICT,
    "is_hidden": _BOOL, "pid": _INT, "created_time": _TS, "cwd": _STR, "command_line": _STR,
    "environment_variables": _DICT, "cpe": _STR, "swid": _STR, "languages": _STRLIST, "vendor": _STR,
    "user_id": _STR, "credential": _STR, "account_login": _STR, "account_type": _STR,
    "is_service_account": _BOOL,
    "is_privileged": _BOOL, "can_escalate_privs": _BOOL, "is_disabled": _BOOL, "account_created": _TS,
    "account_expires": _TS, "credential_last_changed": _TS, "account_first_login": _TS,
    "account_last_login": _TS, "key": _STR, "modified_time": _TS, "number_of_subkeys": _INT,
    "is_self_signed": _BOOL, "serial_number": _STR, "signature_algorithm": _STR, "issuer": _STR,
    "validity_not_before": _TS, "validity_not_after": _TS, "subject_public_key_algorithm": _STR,
    "subject_public_key_modulus": _STR, "subject_public_key_exponent": _INT,
    "x509_v3_extensions": _DICT, "values": _ANY, "body_multipart": _ANY,
}  # fmt: skip

_INT_RANGES: Final[dict[str, tuple[int, int]]] = {
    "confidence": (0, 100),
    "number_observed": (1, 999_999_999),
    "count": (0, 999_999_999),
    "size": (0, 2**63 - 1),
    "src_port": (0, 65535),
    "dst_port": (0, 65535),
    "number_of_subkeys": (0, 2**63 - 1),
}
_FLOAT_RANGES: Final[dict[str, tuple[float, float]]] = {
    "latitude": (-90.0, 90.0),
    "longitude": (-180.0, 180.0),
    "precision": (0.0, float("inf")),
}

# Reference properties whose target type is constrained: allowed types, or (None, forbidden types).
_REF_ALLOWED: Final[dict[str, frozenset[str]]] = {
    "created_by_ref": frozenset({"identity"}),
    "object_marking_refs": frozenset({"marking-definition"}),
    "where_sighted_refs": frozenset({"identity", "location"}),
    "observed_data_refs": frozenset({"observed-data"}),
    "sample_refs": frozenset({"artifact", "file"}),
    "operating_system_refs": frozenset({"software"}),
    "host_vm_ref": frozenset({"software"}),
    "operating_system_ref": frozenset({"software"}),
    "installed_software_refs": frozenset({"software"}),
    "sample_ref": frozenset({"file", "network-traffic", "artifact"}),
}
_NOT_AN_ENDPOINT: Final = frozenset(
    {"bundle", "language-content", "marking-definition", "relationship", "sighting"}
)
_REF_FORBIDDEN: Final[dict[str, frozenset[str]]] = {
    "source_ref": _NOT_AN_ENDPOINT,
    "target_ref": _NOT_AN_ENDPOINT,
    "sighting_of_ref": _NOT_AN_ENDPOINT | SCO_TYPES,
    "object_ref": frozenset({"bundle", "language-content", "marking-definition"}),
}

_REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "attack-pattern": ("name",),
    "campaign": ("name",),
    "course-of-action": ("name",),
    "grouping": ("context", "object_refs"),
    "identity": ("name",),
    "incident": ("name",),
    "indicator": ("pattern", "pattern_type", "valid_from"),
    "infrastructure": ("name",),
    "intrusion-set": ("name",),
    "location": (),
    "malware": ("is_family",),
    "malware-analysis": ("product",),
    "note": ("content", "object_refs"),
    "observed-data": ("first_observed", "last_observed", "number_observed"),
    "opinion": ("opinion", "object_refs"),
    "report": ("name", "published", "object_refs"),
    "threat-actor": ("name",),
    "tool": ("name",),
    "vulnerability": ("name",),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
    "sighting": ("sighting_of_ref",),
    "marking-definition": (),
    "language-content": ("object_ref", "contents"),
    "extension-definition": ("created_by_ref", "name", "schema", "version", "extension_types"),
    "autonomous-system": ("number",),
    "directory": ("path",),
    "domain-name": ("value",),
    "email-addr": ("value",),
    "email-message": ("is_multipart",),
    "ipv4-addr": ("value",),
    "ipv6-addr": ("value",),
    "mac-addr": ("value",),
    "mutex": ("name",),
    "network-traffic": ("protocols",),
    "software": ("name",),
    "url": ("value",),
}
# Pairs (earlier, later, strictly later?) checked when both are present.
_ORDER: Final = (
    ("created", "modified", False),
    ("valid_from", "valid_until", True),
    ("first_seen", "last_seen", False),
    ("first_observed", "last_observed", False),
    ("start_time", "stop_time", True),
    ("analysis_started", "analysis_ended", False),
    ("start", "end", False),
)
_OPINIONS: Final = frozenset({"strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"})
_ANALYSIS_RESULTS: Final = frozenset({"malicious", "suspicious", "benign", "unknown"})
_EXTENSION_TYPES: Final = frozenset(
    {"new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"}
)

# Canonical TLP marking definitions: id -> colour.
TLP1_IDS: Final[dict[str, str]] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
TLP2_EXTENSION_ID: Final = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS: Final[dict[str, str]] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}

_TYPE_NAMES: Final = {
    _STR: "a string",
    _BOOL: "a boolean (true or false)",
    _INT: "an integer",
    _FLOAT: "a number",
    _STRLIST: "a list of strings",
    _DICT: "a non-empty JSON object",
}


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _short(value: object, limit: int = 80) -> str:
    """repr() of a value, cut to `limit` characters for error messages."""
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 3] + "..."


class _Ctx:
    """The object being checked: its label for messages."""

    __slots__ = ("label", "oid")

    def __init__(self, label: str, oid: str | None) -> None:
        self.label = label
        self.oid = oid

    def fail(self, prop: str | None, problem: str) -> InvalidStix:
        if prop is None:
            return InvalidStix(f"{self.label}: {problem}", object_id=self.oid)
        return InvalidStix(f"{self.label}: property '{prop}' {problem}", object_id=self.oid, property=prop)


def _check_ref(ctx: _Ctx, prop: str, value: object) -> None:
    if type(value) is not str or _REF_RE.fullmatch(value) is None:
        raise ctx.fail(prop, f"must be a STIX identifier (type--UUID), not {_short(value)}")
    allowed = _REF_ALLOWED.get(prop)
    if allowed is not None:
        if value[:-38] not in allowed:
            raise ctx.fail(prop, f"must refer to {' or '.join(sorted(allowed))}, not {_short(value)}")
    else:
        forbidden = _REF_FORBIDDEN.get(prop)
        if forbidden is not None and value[:-38] in forbidden:
            raise ctx.fail(prop, f"cannot refer to a {value[:-38]} ({_short(value)})")


def _check_refs(ctx: _Ctx, prop: str, value: object) -> None:
    if type(value) is not list:
        raise ctx.fail(prop, "must be a list of STIX identifiers")
    allowed = _REF_ALLOWED.get(prop)
    for item in value:
        if type(item) is not str or _REF_RE.fullmatch(item) is None:
            raise ctx.fail(prop, f"must contain only STIX identifiers (type--UUID), not {_short(item)}")
        if allowed is not None and item[:-38] not in allowed:
            raise ctx.fail(prop, f"must refer to {' or '.join(sorted(allowed))}, not {_short(item)}")


def _check_external_references(ctx: _Ctx, prop: str, value: object) -> None:
    if type(value) is not list:
        raise ctx.fail(prop, "must be a list of objects")
    for i, ref in enumerate(value):
        if type(ref) is not dict:
            raise ctx.fail(prop, f"item {i} must be an object with 'source_name', not {_short(ref)}")
        name = ref.get("source_name")
        if type(name) is not str:
            raise ctx.fail(prop, f"item {i} must have a string 'source_name'")
        if "description" not in ref and "url" not in ref and "external_id" not in ref:
            raise ctx.fail(prop, f"item {i} must have at least one of 'description', 'url' or 'external_id'")
        for key in ("description", "url", "external_id"):
            if key in ref and type(ref[key]) is not str:
                raise ctx.fail(prop, f"item {i}: '{key}' must be a string")
        hashes = ref.get("hashes")
        if hashes is not None:
            _check_hashes(ctx, prop, hashes)


def _check_hashes(ctx: _Ctx, prop: str, value: object) -> None:
    if type(value) is not dict or not value:
        raise ctx.fail(prop, "must be a non-empty object of hash algorithm -> hash value")
    for alg, digest in value.items():
        if type(digest) is not str or not digest:
            raise ctx.fail(prop, f"hash {_short(alg)} must be a non-empty string")


def _check_kill_chain_phases(ctx: _Ctx, prop: str, value: object) -> None:
    if type(value) is not list:
        raise ctx.fail(prop, "must be a list of objects")
    for i, kcp in enumerate(value):
        if (
            type(kcp) is not dict
            or type(kcp.get("kill_chain_name")) is not str
            or type(kcp.get("phase_name")) is not str
        ):
            raise ctx.fail(prop, f"item {i} must be an object with string 'kill_chain_name' and 'phase_name'")


def _check_granular_markings(ctx: _Ctx, prop: str, value: object) -> None:
    if type(value) is not list:
        raise ctx.fail(prop, "must be a list of objects")
    for i, gm in enumerate(value):
        if type(gm) is not dict:
            raise ctx.fail(prop, f"item {i} must be an object")
        selectors = gm.get("selectors")
        if (
            type(selectors) is not list
            or not selectors
            or any(type(s) is not str or not s for s in selectors)
        ):
            raise ctx.fail(prop, f"item {i} must have 'selectors', a non-empty list of strings")
        has_ref, has_lang = "marking_ref" in gm, "lang" in gm
        if has_ref == has_lang:
            raise ctx.fail(prop, f"item {i} must have exactly one of 'marking_ref' or 'lang'")
        if has_ref:
            ref = gm["marking_ref"]
            if (
                type(ref) is not str
                or _REF_RE.fullmatch(ref) is None
                or not ref.startswith("marking-definition--")
            ):
                raise ctx.fail(
                    prop, f"item {i}: 'marking_ref' must be a marking-definition id, not {_short(ref)}"
                )
        elif type(gm["lang"]) is not str:
            raise ctx.fail(prop, f"item {i}: 'lang' must be a string")


def _check_extensions(ctx: _Ctx, prop: str, value: object) -> None:
    if type(value) is not dict or not value:
        raise ctx.fail(prop, "must be a non-empty object of extension name -> extension object")
    for name, ext in value.items():
        if type(ext) is not dict:
            raise ctx.fail(prop, f"extension {_short(name)} must be an object")
        if name.startswith("extension-definition--"):
            if _REF_RE.fullmatch(name) is None:
                raise ctx.fail(prop, f"key {_short(name)} is not a valid extension-definition id")
        elif _TYPE_RE.fullmatch(name) is None:
            raise ctx.fail(prop, f"key {_short(name)} is not a valid extension name")


# --------------------------------------------------------------------------------------------------
# Per-type rules beyond required properties
# --------------------------------------------------------------------------------------------------


def _rule_indicator(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if obj["pattern_type"] == "stix":
        err = _pattern_error(obj["pattern"])
        if err is not None:
            raise ctx.fail("pattern", f"is not a valid STIX pattern: {err}")


def _rule_malware(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if obj["is_family"] is True and "name" not in obj:
        raise ctx.fail("name", "is required for malware families (is_family true)")


def _rule_malware_analysis(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if "result" not in obj and "analysis_sco_refs" not in obj:
        raise ctx.fail("result", "or 'analysis_sco_refs' is required for malware-analysis objects")
    if "result" in obj and obj["result"] not in _ANALYSIS_RESULTS:
        raise ctx.fail("result", f"must be one of {', '.join(sorted(_ANALYSIS_RESULTS))}")


def _rule_location(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    has_lat, has_long = "latitude" in obj, "longitude" in obj
    if has_lat != has_long:
        raise ctx.fail(
            "latitude" if has_long else "longitude", "is required when the other coordinate is present"
        )
    if "precision" in obj and not has_lat:
        raise ctx.fail("precision", "requires 'latitude' and 'longitude'")
    if not (has_lat or "region" in obj or "country" in obj):
        raise ctx.fail(None, "a location needs 'region', 'country', or 'latitude' and 'longitude'")


def _rule_observed_data(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    has_objects, has_refs = "objects" in obj, "object_refs" in obj
    if has_objects == has_refs:
        raise ctx.fail("object_refs", "is required for observed-data objects (and excludes 'objects')")


def _rule_opinion(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if obj["opinion"] not in _OPINIONS:
        raise ctx.fail(
            "opinion", f"must be one of {', '.join(sorted(_OPINIONS))}, not {_short(obj['opinion'])}"
        )


def _rule_relationship(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if _RELATIONSHIP_TYPE_RE.fullmatch(obj["relationship_type"]) is None:
        raise ctx.fail("relationship_type", "must contain only a-z, 0-9 and '-'")


def _rule_extension_definition(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    for t in obj["extension_types"]:
        if t not in _EXTENSION_TYPES:
            raise ctx.fail("extension_types", f"must contain only {', '.join(sorted(_EXTENSION_TYPES))}")


def _rule_marking_definition(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    oid = obj["id"]
    if "created" not in obj:
        raise ctx.fail("created", "is required for marking-definition objects")
    dtype, definition, extensions = obj.get("definition_type"), obj.get("definition"), obj.get("extensions")
    if dtype is None and definition is None:
        if extensions is None:
            raise ctx.fail("definition", "and 'definition_type' are required when 'extensions' is absent")
    elif dtype is None or definition is None:
        raise ctx.fail("definition_type" if dtype is None else "definition", "is required with the other one")
    if dtype == "tlp":
        colour = definition.get("tlp") if type(definition) is dict else None
        if TLP1_IDS.get(oid) is None or TLP1_IDS[oid] != colour:
            raise ctx.fail("definition", f"TLP {_short(colour)} is not one of the canonical TLP 1.0 markings")
    elif dtype == "statement":
        if type(definition) is not dict or type(definition.get("statement")) is not str:
            raise ctx.fail("definition", "of a statement marking must have a string 'statement'")
    if extensions is not None and TLP2_EXTENSION_ID in extensions:
        colour = extensions[TLP2_EXTENSION_ID].get("tlp_2_0")
        if TLP2_IDS.get(oid) is None or TLP2_IDS[oid] != colour:
            raise ctx.fail("extensions", f"TLP {_short(colour)} is not one of the canonical TLP 2.0 markings")
    elif oid in TLP2_IDS:
        raise ctx.fail("extensions", "must carry the TLP 2.0 extension for a TLP 2.0 marking id")
    elif oid in TLP1_IDS and dtype != "tlp":
        raise ctx.fail("definition_type", "must be 'tlp' for a TLP 1.0 marking id")


def _rule_file(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if "hashes" not in obj and "name" not in obj:
        raise ctx.fail("name", "or 'hashes' is required for file objects")


def _rule_network_traffic(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if "src_ref" not in obj and "dst_ref" not in obj:
        raise ctx.fail("src_ref", "or 'dst_ref' is required for network-traffic objects")


def _rule_artifact(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if "payload_bin" in obj and "url" in obj:
        raise ctx.fail("url", "cannot be used together with 'payload_bin'")
    if "url" in obj and "hashes" not in obj:
        raise ctx.fail("hashes", "is required when 'url' is present")


def _rule_email_message(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    if obj["is_multipart"] is True and "body" in obj:
        raise ctx.fail("body", "must not be used when 'is_multipart' is true (use 'body_multipart')")


_RULES: Final[dict[str, Callable[[_Ctx, Mapping[str, Any]], None]]] = {
    "indicator": _rule_indicator,
    "malware": _rule_malware,
    "malware-analysis": _rule_malware_analysis,
    "location": _rule_location,
    "observed-data": _rule_observed_data,
    "opinion": _rule_opinion,
    "relationship": _rule_relationship,
    "extension-definition": _rule_extension_definition,
    "marking-definition": _rule_marking_definition,
    "file": _rule_file,
    "network-traffic": _rule_network_traffic,
    "artifact": _rule_artifact,
    "email-message": _rule_email_message,
}


# --------------------------------------------------------------------------------------------------
# validate_object
# --------------------------------------------------------------------------------------------------


def _upgrade_20(ctx: _Ctx, obj: dict[str, Any], stype: str) -> dict[str, Any]:
    """A 2.1 copy of a STIX 2.0 object, or InvalidStix when there is no well-defined mapping."""
    if stype in _NEW_IN_21:
        raise ctx.fail("spec_version", f"is required: {stype} objects exist only in STIX 2.1")
    if stype in SCO_TYPES:
        raise ctx.fail("spec_version", "must be '2.1': STIX 2.0 has no stand-alone cyber-observable objects")
    if stype == "observed-data" and "objects" in obj:
        raise InvalidStix(
            f"{ctx.label}: STIX 2.0 observed-data with embedded objects cannot be upgraded;"
            " convert to 2.1 SCOs",
            object_id=ctx.oid,
            property="objects",
        )
    new = dict(obj)
    new["spec_version"] = "2.1"
    if stype == "indicator" and "pattern_type" not in new:
        new["pattern_type"] = "stix"
    elif stype == "malware" and "is_family" not in new:
        new["is_family"] = False
    return new


def validate_object(obj: object) -> dict[str, Any]:
    """Check one STIX object (already JSON-decoded) and return it, upgraded to 2.1 when it is STIX 2.0.

    Raises InvalidStix with a message like
    "indicator--…: property 'pattern' is not a valid STIX pattern: <parser message>".

    The caller's dict is never changed. The same dict is returned when it needs no change; a new one
    when it was upgraded from STIX 2.0 (``spec_version`` "2.1" added; indicators get
    ``pattern_type: "stix"``; malware gets ``is_family: false``, 2.0 having no such notion) or when
    optional properties that were ``null`` or ``[]`` were dropped (the specification forbids both;
    ``stix2`` drops them the same way).
    """
    if type(obj) is not dict:
        raise InvalidStix(f"a STIX object must be a JSON object, not {type(obj).__name__}")
    stype = obj.get("type")
    if type(stype) is not str or _TYPE_RE.fullmatch(stype) is None:
        if "type" not in obj:
            raise InvalidStix("object: property 'type' is required", property="type")
        raise InvalidStix(
            f"object: property 'type' must be 3-250 characters of a-z, 0-9 and '-', not starting or ending"
            f" with '-' (got {_short(stype)})",
            property="type",
        )
    if stype == "bundle":
        raise InvalidStix(
            "a bundle cannot be stored as an object; send the objects it contains", property="type"
        )
    oid = obj.get("id")
    if type(oid) is not str:
        raise InvalidStix(f"{stype} object: property 'id' is required (type--UUID)", property="id")
    if not (
        oid.startswith(stype) and oid[len(stype) : len(stype) + 2] == "--" and len(oid) == len(stype) + 38
    ):
        raise InvalidStix(
            f"{stype} object: property 'id' must be '{stype}--' followed by a UUID, not {_short(oid)}",
            property="id",
        )
    if _UUID_RE.fullmatch(oid, len(stype) + 2) is None:
        raise InvalidStix(
            f"{_short(oid, 120)}: property 'id' does not end with a valid RFC 4122 UUID",
            object_id=oid,
            property="id",
        )
    ctx = _Ctx(oid, oid)

    # spec_version, and the 2.0 -> 2.1 upgrade
    result = obj
    sv = obj.get("spec_version")
    if sv != "2.1":
        if sv is None or sv == "2.0":
            if "created" in obj or stype in SDO_TYPES or stype in SRO_TYPES or stype in META_TYPES:
                result = _upgrade_20(ctx, obj, stype)
            elif sv == "2.0":
                raise ctx.fail(
                    "spec_version", "must be '2.1': STIX 2.0 has no stand-alone cyber-observable objects"
                )
        else:
            raise ctx.fail("spec_version", f"must be '2.1' (or '2.0', upgraded), not {_short(sv)}")

    # every property: name form, value form
    stamps: dict[str, int] = {}
    drop: list[str] | None = None
    for key, value in result.items():
        if value is None or value == []:
            if drop is None:
                drop = []
            drop.append(key)
            continue
        kind = _KIND.get(key)
        if kind is None:
            if key == "type" or key == "id" or key == "spec_version":
                continue
            if type(key) is not str or _PROP_NAME_RE.fullmatch(key) is None:
                raise ctx.fail(
                    _short(key, 60).strip("'\""),
                    "has a name that is not allowed: property names must be 3-250 characters"
                    " of a-z, 0-9 and _",
                )
            if key.endswith("_ref"):
                # MITRE ATT&CK writes "" for an unset custom reference (x_mitre_data_source_ref): tolerated
                # for x_-prefixed custom properties only.
                if not (value == "" and key.startswith("x_")):
                    _check_ref(ctx, key, value)
            elif key.endswith("_refs"):
                _check_refs(ctx, key, value)
            continue
        if kind == _TS:
            try:
                stamps[key] = parse_timestamp(value)
            except InvalidStix as exc:
                raise ctx.fail(key, f"is not valid: {exc}") from None
        elif kind == _STR:
            if type(value) is not str:
                raise ctx.fail(key, f"must be a string, not {_short(value)}")
        elif kind == _STRLIST:
            if type(value) is not list or any(type(v) is not str for v in value):
                raise ctx.fail(key, f"must be a list of strings, not {_short(value)}")
        elif kind == _BOOL:
            if type(value) is not bool:
                raise ctx.fail(key, f"must be true or false, not {_short(value)}")
        elif kind == _INT:
            if type(value) is not int:
                raise ctx.fail(key, f"must be an integer, not {_short(value)}")
            rng = _INT_RANGES.get(key)
            if rng is not None and not rng[0] <= value <= rng[1]:
                raise ctx.fail(key, f"must be between {rng[0]} and {rng[1]}, not {value}")
        elif kind == _FLOAT:
            if type(value) is not float and type(value) is not int:
                raise ctx.fail(key, f"must be a number, not {_short(value)}")
            frng = _FLOAT_RANGES.get(key)
            if frng is not None and not frng[0] <= value <= frng[1]:
                raise ctx.fail(key, f"must be between {frng[0]} and {frng[1]}, not {value}")
        elif kind == _DICT:
            if type(value) is not dict or not value:
                raise ctx.fail(key, f"must be a non-empty JSON object, not {_short(value)}")
            if key == "hashes":
                _check_hashes(ctx, key, value)
        elif kind == _EXTREFS:
            _check_external_references(ctx, key, value)
        elif kind == _KCP:
            _check_kill_chain_phases(ctx, key, value)
        elif kind == _GRANULAR:
            _check_granular_markings(ctx, key, value)
        elif kind == _EXTENSIONS:
            _check_extensions(ctx, key, value)

    if drop is not None:
        result = {k: v for k, v in result.items() if k not in drop}

    # presence rules
    if (
        stype in SDO_TYPES
        or stype in SRO_TYPES
        or stype == "language-content"
        or stype == "extension-definition"
    ):
        if "created" not in result:
            raise ctx.fail("created", f"is required for {stype} objects")
        if "modified" not in result:
            raise ctx.fail("modified", f"is required for {stype} objects")
    for prop in _REQUIRED.get(stype, ()):
        if prop not in result:
            given = " (null or an empty list is not a value)" if drop is not None and prop in drop else ""
            raise ctx.fail(prop, f"is required for {stype} objects{given}")

    # order rules
    if stamps:
        for first, later, strict in _ORDER:
            a, b = stamps.get(first), stamps.get(later)
            if a is not None and b is not None and (b <= a if strict else b < a):
                raise ctx.fail(
                    later, f"must be {'later than' if strict else 'equal to or later than'} '{first}'"
                )

    rule = _RULES.get(stype)
    if rule is not None:
        rule(ctx, result)
    return result
