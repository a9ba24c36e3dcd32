"""Per-type rules: required properties, timestamp order, and the checks beyond presence."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from hub.policy.tlp import is_official_copy
from hub.stix.validation.errors import _Ctx, _short
from hub.stix.validation.patterns import _pattern_error

_RELATIONSHIP_TYPE_RE: Final = re.compile(r"[a-z0-9-]+")

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


_FORGED_TLP: Final = (
    "is an official TLP marking definition, and those cannot be changed: this copy differs from the official "
    "one (in a name, a date, a creator, a custom property...). Send the official definition unchanged, or "
    "leave it out: the hub knows it already"
)


def _rule_marking_definition(ctx: _Ctx, obj: Mapping[str, Any]) -> None:
    oid = obj["id"]
    if oid in TLP1_IDS or oid in TLP2_IDS:  # every reader trusts what these ids mean
        if not is_official_copy(obj):
            raise ctx.fail(None, _FORGED_TLP)
        return
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
