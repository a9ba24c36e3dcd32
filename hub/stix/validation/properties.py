"""Property tables (value kinds, ranges, reference targets, STIX types) and the checks of common values."""

from __future__ import annotations

import re
from typing import Final

from hub.stix.validation.errors import _Ctx, _short

_TYPE_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]")
_UUID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
)
_REF_RE: Final = re.compile(
    r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
)
_PROP_NAME_RE: Final = re.compile(r"[a-z0-9_]{3,250}")

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
