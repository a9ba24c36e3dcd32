"""Tests of hub.stix.validation: the rules one by one, the 2.0 upgrade, real producer files, properties."""

from __future__ import annotations

import copy
import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.stix.validation import (
    InvalidStix,
    check_pattern,
    format_timestamp,
    parse_timestamp,
    validate_object,
    version_of,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(),
    reason=f"shared STIX test data not found at {DATA} (../shared/data next to the checkout)",
)

U1 = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
U2 = "a1b2c3d4-0000-4000-8000-000000000002"
U3 = "a1b2c3d4-0000-4000-8000-000000000003"
IDENTITY = f"identity--{U2}"
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
T0 = "2024-01-26T21:28:21.013Z"
T1 = "2024-02-01T00:00:00.000Z"


def indicator(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{U1}",
        "created": T0,
        "modified": T0,
        "pattern": "[domain-name:value = 'example.com']",
        "pattern_type": "stix",
        "valid_from": T0,
    }
    obj.update(changes)
    return {k: v for k, v in obj.items() if v is not _ABSENT}


_ABSENT: Any = object()


def sdo(stype: str, **props: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": stype,
        "spec_version": "2.1",
        "id": f"{stype}--{U1}",
        "created": T0,
        "modified": T0,
    }
    obj.update(props)
    return {k: v for k, v in obj.items() if v is not _ABSENT}


def rejects(obj: object, *fragments: str) -> str:
    with pytest.raises(InvalidStix) as info:
        validate_object(obj)
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, msg
    return msg


def load_objects(path: Path) -> list[Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    objects = data["objects"] if isinstance(data, dict) else data
    assert isinstance(objects, list)
    return objects


# --- the basics ------------------------------------------------------------------------------------


def test_valid_indicator_is_returned_unchanged() -> None:
    obj = indicator()
    snapshot = copy.deepcopy(obj)
    assert validate_object(obj) == snapshot
    assert obj == snapshot


@pytest.mark.parametrize("value", [[], "indicator", 42, None])
def test_not_a_dict(value: object) -> None:
    rejects(value, "must be a JSON object")


@pytest.mark.parametrize("bad", ["ab", "-abc", "abc-", "Indicator", "in_dicator", "x" * 251, 7])
def test_type_form(bad: object) -> None:
    rejects(indicator(type=bad), "property 'type'")


def test_type_required() -> None:
    rejects(indicator(type=_ABSENT), "property 'type' is required")


def test_long_custom_type_at_limit_is_accepted() -> None:
    t = "x-" + "a" * 248
    validate_object(sdo(t, id=f"{t}--{U1}"))


def test_bundle_refused() -> None:
    rejects(
        {"type": "bundle", "id": f"bundle--{U1}", "objects": []}, "a bundle cannot be stored as an object"
    )


@pytest.mark.parametrize(
    "bad",
    [
        f"malware--{U1}",  # prefix differs from type
        f"indicator-{U1}",
        "indicator--not-a-uuid",
        "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",  # variant is not RFC 4122
        "indicator--00000000-0000-0000-0000-000000000000",  # nil UUID
        None,
        12,
    ],
)
def test_id_form(bad: object) -> None:
    rejects(indicator(id=bad), "property 'id'")


@pytest.mark.parametrize(
    "uuid", ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "886313e1-3b8a-5372-9b90-0c9aee199e5d", U1]
)
def test_id_any_uuid_version_is_accepted(uuid: str) -> None:
    validate_object(indicator(id=f"indicator--{uuid}"))


def test_spec_version_other_than_20_or_21() -> None:
    rejects(indicator(spec_version="2.2"), "property 'spec_version'")
    rejects(indicator(spec_version=2.1), "property 'spec_version'")


def test_spec_version_required_for_types_new_in_21() -> None:
    rejects(
        sdo("grouping", spec_version=_ABSENT, context="x", object_refs=[IDENTITY]), "property 'spec_version'"
    )


def test_sco_may_omit_spec_version() -> None:
    obj = {"type": "domain-name", "id": f"domain-name--{U1}", "value": "example.com"}
    assert validate_object(obj) is obj
    validate_object(
        {"type": "ipv4-addr", "id": f"ipv4-addr--{U1}", "value": "198.51.100.1", "spec_version": "2.1"}
    )


def test_sco_required_property() -> None:
    rejects({"type": "url", "id": f"url--{U1}"}, "property 'value' is required")
    rejects({"type": "file", "id": f"file--{U1}", "size": 3}, "'name'", "'hashes'")


# --- timestamps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prop", ["created", "modified", "valid_from", "valid_until"])
@pytest.mark.parametrize(
    "bad", ["2024-01-26 21:28:21Z", "2024-01-26T21:28:21", "2024-02-30T00:00:00Z", "2024-01-26T24:00:00Z", 17]
)
def test_timestamps_must_parse(prop: str, bad: object) -> None:
    rejects(indicator(**{prop: bad}), f"property '{prop}'")


def test_modified_not_before_created() -> None:
    validate_object(indicator(modified=T0))
    rejects(indicator(modified="2024-01-26T21:28:21.012Z"), "property 'modified'", "'created'")


def test_valid_until_after_valid_from() -> None:
    validate_object(indicator(valid_until=T1))
    rejects(indicator(valid_until=T0), "property 'valid_until'", "later than 'valid_from'")


def test_last_seen_not_before_first_seen() -> None:
    validate_object(sdo("campaign", name="c", first_seen=T0, last_seen=T0))
    rejects(sdo("campaign", name="c", first_seen=T1, last_seen=T0), "property 'last_seen'")


@pytest.mark.parametrize("prop", ["published", "first_seen", "last_observed"])
def test_other_timestamp_properties_checked(prop: str) -> None:
    rejects(sdo("campaign", name="c", **{prop: "yesterday"}), f"property '{prop}'")


def test_parse_and_format_timestamp() -> None:
    assert parse_timestamp("1970-01-01T00:00:00Z") == 0
    assert parse_timestamp("1970-01-01T00:00:01.5Z") == 1_500_000
    assert parse_timestamp("2016-02-29T23:59:59.123456789Z") == parse_timestamp("2016-02-29T23:59:59.123456Z")
    assert format_timestamp(parse_timestamp("2024-01-26T21:28:21.01893Z")) == "2024-01-26T21:28:21.018930Z"
    assert format_timestamp(-1) == "1969-12-31T23:59:59.999999Z"
    with pytest.raises(InvalidStix):
        parse_timestamp("2023-02-29T00:00:00Z")
    with pytest.raises(InvalidStix):
        parse_timestamp("2024-01-26T21:28:21+00:00")


def test_version_of() -> None:
    assert version_of(indicator(modified=T1)) == T1
    assert version_of({"created": T0}) == T0
    assert version_of({"type": "url", "value": "http://x"}) is None


# --- required properties per type ------------------------------------------------------------------

VALID_OBJECTS: dict[str, dict[str, Any]] = {
    "attack-pattern": {"name": "Spearphishing"},
    "campaign": {"name": "Operation X"},
    "course-of-action": {"name": "Patch"},
    "grouping": {"context": "suspicious-activity", "object_refs": [IDENTITY]},
    "identity": {"name": "Amnesty Tech", "identity_class": "organization"},
    "incident": {"name": "Phone compromise"},
    "indicator": {"pattern": "[url:value = 'http://x']", "pattern_type": "stix", "valid_from": T0},
    "infrastructure": {"name": "C2"},
    "intrusion-set": {"name": "Group"},
    "location": {"country": "RS"},
    "malware": {"name": "Pegasus", "is_family": True},
    "malware-analysis": {"product": "mvt", "result": "malicious"},
    "note": {"content": "seen on two phones", "object_refs": [IDENTITY]},
    "observed-data": {
        "first_observed": T0,
        "last_observed": T1,
        "number_observed": 2,
        "object_refs": [f"url--{U3}"],
    },
    "opinion": {"opinion": "agree", "object_refs": [IDENTITY]},
    "report": {"name": "Forensic Methodology", "published": T0, "object_refs": [IDENTITY]},
    "threat-actor": {"name": "NSO customer"},
    "tool": {"name": "mvt"},
    "vulnerability": {"name": "CVE-2021-30860"},
    "relationship": {
        "relationship_type": "indicates",
        "source_ref": f"indicator--{U2}",
        "target_ref": f"malware--{U3}",
    },
    "sighting": {"sighting_of_ref": f"indicator--{U2}", "where_sighted_refs": [IDENTITY], "count": 3},
    "language-content": {"object_ref": f"report--{U2}", "contents": {"fr": {"name": "Méthodologie"}}},
    "extension-definition": {
        "created_by_ref": IDENTITY,
        "name": "ext",
        "schema": "https://example.org/schema.json",
        "version": "1.0",
        "extension_types": ["property-extension"],
    },
}


@pytest.mark.parametrize("stype", sorted(VALID_OBJECTS))
def test_each_type_valid_and_each_required_property(stype: str) -> None:
    props = VALID_OBJECTS[stype]
    validate_object(sdo(stype, **props))
    required = {
        "grouping": ["context", "object_refs"],
        "note": ["content", "object_refs"],
        "observed-data": ["first_observed", "last_observed", "number_observed", "object_refs"],
        "opinion": ["opinion", "object_refs"],
        "report": ["name", "published", "object_refs"],
        "indicator": ["pattern", "pattern_type", "valid_from"],
        "malware": ["is_family"],
        "malware-analysis": ["product"],
        "relationship": ["relationship_type", "source_ref", "target_ref"],
        "sighting": ["sighting_of_ref"],
        "language-content": ["object_ref", "contents"],
        "extension-definition": ["created_by_ref", "name", "schema", "version", "extension_types"],
        "location": [],
        "identity": ["name"],
    }.get(stype, ["name"])
    for prop in required + ["created", "modified"]:
        rejects(sdo(stype, **{**props, prop: _ABSENT}), f"property '{prop}'")


def test_required_list_cannot_be_empty() -> None:
    rejects(
        sdo("report", **{**VALID_OBJECTS["report"], "object_refs": []}), "property 'object_refs' is required"
    )


def test_malware_family_needs_name() -> None:
    validate_object(sdo("malware", is_family=False))
    rejects(sdo("malware", is_family=True), "property 'name'", "malware famil")
    rejects(sdo("malware", is_family="yes", name="x"), "property 'is_family'")


def test_location_rules() -> None:
    validate_object(sdo("location", region="europe"))
    validate_object(sdo("location", latitude=44.8, longitude=20.4, precision=100.0))
    rejects(sdo("location", name="somewhere"), "'region', 'country', or 'latitude' and 'longitude'")
    rejects(sdo("location", latitude=44.8), "property 'longitude'")
    rejects(sdo("location", latitude=95.0, longitude=1.0), "property 'latitude'", "between")
    rejects(sdo("location", country="RS", precision=3.0), "property 'precision'")


def test_opinion_enum() -> None:
    rejects(sdo("opinion", opinion="maybe", object_refs=[IDENTITY]), "property 'opinion'")


def test_malware_analysis_result_or_sco_refs() -> None:
    validate_object(sdo("malware-analysis", product="p", analysis_sco_refs=[f"file--{U2}"]))
    rejects(sdo("malware-analysis", product="p"), "'result'", "'analysis_sco_refs'")
    rejects(sdo("malware-analysis", product="p", result="evil"), "property 'result'")


def test_observed_data_counts_and_refs() -> None:
    base = VALID_OBJECTS["observed-data"]
    rejects(sdo("observed-data", **{**base, "number_observed": 0}), "property 'number_observed'")
    rejects(sdo("observed-data", **{**base, "number_observed": True}), "property 'number_observed'")


def test_relationship_rules() -> None:
    base = VALID_OBJECTS["relationship"]
    rejects(sdo("relationship", **{**base, "source_ref": "nope"}), "property 'source_ref'")
    rejects(sdo("relationship", **{**base, "target_ref": f"relationship--{U2}"}), "property 'target_ref'")
    rejects(
        sdo("relationship", **{**base, "relationship_type": "Indicates It"}), "property 'relationship_type'"
    )
    rejects(
        sdo("relationship", **base, start_time=T1, stop_time=T0),
        "property 'stop_time'",
    )


def test_sighting_rules() -> None:
    rejects(sdo("sighting", sighting_of_ref=f"domain-name--{U2}"), "property 'sighting_of_ref'")
    rejects(sdo("sighting", sighting_of_ref=f"indicator--{U2}", where_sighted_refs=[f"malware--{U3}"]),
            "property 'where_sighted_refs'")  # fmt: skip
    rejects(sdo("sighting", sighting_of_ref=f"indicator--{U2}", count=-1), "property 'count'")


# --- marking definitions ---------------------------------------------------------------------------


def test_marking_definition_forms() -> None:
    statement = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{U1}",
        "created": T0,
        "definition_type": "statement",
        "definition": {"statement": "Copyright"},
    }
    validate_object(statement)
    rejects({k: v for k, v in statement.items() if k != "definition"}, "property 'definition'")
    no_def = {k: v for k, v in statement.items() if k not in ("definition", "definition_type")}
    rejects(no_def, "property 'definition'")
    rejects({**statement, "definition": {"statement": 3}}, "property 'definition'")


def test_tlp_marking_must_be_canonical() -> None:
    fake = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{U1}",
        "created": T0,
        "name": "TLP:CLEAR",
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": "clear",
            }
        },
    }
    rejects(fake, "property 'extensions'", "canonical TLP 2.0")
    fake1 = {**fake, "extensions": _ABSENT, "definition_type": "tlp", "definition": {"tlp": "white"}}
    rejects(
        {k: v for k, v in fake1.items() if v is not _ABSENT}, "property 'definition'", "canonical TLP 1.0"
    )


# --- common properties -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "bad"),
    [
        ("created_by_ref", f"malware--{U2}"),
        ("created_by_ref", "identity--x"),
        ("object_marking_refs", [f"identity--{U2}"]),
        ("object_marking_refs", TLP_GREEN),
        ("labels", "malicious"),
        ("labels", [1]),
        ("external_references", [{"url": "https://x"}]),
        ("external_references", [{"source_name": "x"}]),
        ("external_references", [[{"source_name": "x", "url": "https://x"}]]),
        ("kill_chain_phases", [{"kill_chain_name": "mitre-attack"}]),
        ("revoked", "false"),
        ("confidence", 101),
        ("confidence", -1),
        ("confidence", 50.0),
        ("confidence", True),
        ("lang", ["en"]),
        ("granular_markings", [{"selectors": ["name"]}]),
        ("granular_markings", [{"selectors": [], "marking_ref": TLP_GREEN}]),
        ("granular_markings", [{"selectors": ["name"], "marking_ref": TLP_GREEN, "lang": "en"}]),
        ("granular_markings", [{"selectors": ["name"], "marking_ref": IDENTITY}]),
        ("sample_ref", "not-an-id"),
        ("x_custom_refs", ["nope"]),
        ("extensions", {"extension-definition--nope": {}}),
        ("name", ["a list"]),
        ("description", {"not": "a string"}),
    ],
)
def test_common_property_forms(prop: str, bad: object) -> None:
    rejects(indicator(**{prop: bad}), f"property '{prop}'")


def test_common_properties_valid() -> None:
    validate_object(
        indicator(
            created_by_ref=IDENTITY,
            object_marking_refs=[TLP_GREEN],
            labels=["malicious-activity"],
            external_references=[{"source_name": "amnesty", "url": "https://www.amnesty.org"}],
            kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}],
            revoked=False,
            confidence=85,
            lang="en",
            granular_markings=[{"selectors": ["description"], "marking_ref": TLP_GREEN}],
        )
    )


@pytest.mark.parametrize("name", ["x_amnesty_case", "x_mitre_platforms", "foo_bar", "abc", "z" * 250])
def test_custom_property_names_accepted(name: str) -> None:
    validate_object(indicator(**{name: "v"}))


@pytest.mark.parametrize("name", ["xy", "X_Upper", "x-hyphen", "x amnesty", "x_é", "z" * 251])
def test_custom_property_names_refused(name: str) -> None:
    rejects(indicator(**{name: "v"}), "property", "name that is not allowed")


def test_custom_object_type_common_checks_only() -> None:
    validate_object(sdo("x-mitre-tactic", name="Initial Access", x_mitre_shortname="initial-access"))
    rejects(sdo("x-mitre-tactic", name="x", created_by_ref="nope"), "property 'created_by_ref'")


def test_null_and_empty_list_are_dropped_without_touching_input() -> None:
    obj = indicator(labels=[], description=None)
    result = validate_object(obj)
    assert "labels" not in result and "description" not in result
    assert obj["labels"] == [] and obj["description"] is None


# --- patterns --------------------------------------------------------------------------------------


def test_indicator_pattern_checked() -> None:
    msg = rejects(indicator(pattern="[domain-name:value = 'x' AND]"), f"indicator--{U1}: property 'pattern'")
    assert "is not a valid STIX pattern: " in msg
    rejects(indicator(pattern="domain-name:value = 'x'"), "property 'pattern'")
    rejects(indicator(pattern="[file:hashes.'SHA-256' = 'abc']"), "property 'pattern'", "SHA-256")
    rejects(indicator(pattern=["[url:value = 'x']"]), "property 'pattern'")


@pytest.mark.parametrize(
    "pattern",
    [
        "[app:id = 'com.example.spy']",
        "[configuration-profile:id = '4f5a2c10-1234']",
        "[domain-name:value = 'a.example' OR domain-name:value = 'b.example']",
        "[file:name = 'it\\'s']",
        "[url:value = 'https://x.example/?a=b&c=d']",
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    ],
)
def test_valid_patterns(pattern: str) -> None:
    check_pattern(pattern)
    validate_object(indicator(pattern=pattern))


@pytest.mark.parametrize("pattern_type", ["yara", "sigma", "snort", "suricata"])
def test_other_pattern_types_are_not_parsed(pattern_type: str) -> None:
    validate_object(indicator(pattern_type=pattern_type, pattern="rule x { condition: true }"))


# --- STIX 2.0 --------------------------------------------------------------------------------------


def stix20_indicator() -> dict[str, Any]:
    return {
        "type": "indicator",
        "id": f"indicator--{U1}",
        "created": "2017-01-01T00:00:00.000Z",
        "modified": "2017-01-01T00:00:00.000Z",
        "labels": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "valid_from": "2017-01-01T00:00:00Z",
    }


def test_stix20_indicator_upgraded_without_mutating_input() -> None:
    obj = stix20_indicator()
    snapshot = copy.deepcopy(obj)
    result = validate_object(obj)
    assert obj == snapshot
    assert result is not obj
    assert result["spec_version"] == "2.1"
    assert result["pattern_type"] == "stix"
    assert result["labels"] == ["malicious-activity"]
    assert validate_object(result) is result


def test_stix20_malware_gets_is_family_false() -> None:
    obj = {
        "type": "malware",
        "id": f"malware--{U1}",
        "created": T0,
        "modified": T0,
        "name": "x",
        "labels": ["spyware"],
    }
    result = validate_object(obj)
    assert result["is_family"] is False and result["spec_version"] == "2.1"
    assert validate_object({**obj, "spec_version": "2.0"})["spec_version"] == "2.1"


def test_stix20_observed_data_with_objects_refused() -> None:
    obj = {
        "type": "observed-data",
        "id": f"observed-data--{U1}",
        "created": T0,
        "modified": T0,
        "first_observed": T0,
        "last_observed": T0,
        "number_observed": 1,
        "objects": {"0": {"type": "domain-name", "value": "example.com"}},
    }
    rejects(obj, "STIX 2.0 observed-data with embedded objects cannot be upgraded; convert to 2.1 SCOs")


def test_stix20_marking_definition_upgraded() -> None:
    tlp = {
        "type": "marking-definition",
        "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "definition": {"tlp": "green"},
    }
    assert validate_object(tlp)["spec_version"] == "2.1"


# --- real files ------------------------------------------------------------------------------------


def _real_files() -> list[Path]:
    if not DATA.is_dir():
        return []
    files = [p for d in ("amnesty", "mvt-indicators", "attack", "tlp") for p in sorted((DATA / d).glob("*"))]
    return [p for p in files if p.is_file()]


@needs_data
@pytest.mark.parametrize("path", _real_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_files_validate_fully(path: Path) -> None:
    objects = load_objects(path)
    assert objects
    for obj in objects:
        result = validate_object(obj)
        assert result["id"] == obj["id"]


@needs_data
def test_messy_otx_pulse_reports_broken_objects_and_keeps_valid_ones() -> None:
    objects = load_objects(DATA / "messy" / "otx_pegasus_pulse.json")
    ok, errors = [], {}
    for obj in objects:
        try:
            ok.append(validate_object(obj))
        except InvalidStix as exc:
            errors[obj["id"]] = str(exc)
    # The threat-actor has a list as 'description' and a list of lists as 'external_references'.
    assert list(errors) == ["threat-actor--665bebf1-3859-48dc-ad39-8a379e22f8bb"]
    assert (
        "property 'description' must be a string"
        in errors["threat-actor--665bebf1-3859-48dc-ad39-8a379e22f8bb"]
    )
    fixed = {**objects[[o["type"] for o in objects].index("threat-actor")], "description": "PLA Unit 61398"}
    rejects(fixed, "property 'external_references'", "item 0")
    # Its 69 indicators carry "labels": [], which STIX forbids; it is dropped, as stix2 does.
    indicators = [o for o in ok if o["type"] == "indicator"]
    assert len(indicators) == 69 and all("labels" not in o for o in indicators)
    assert {o["type"] for o in ok} == {"indicator", "identity", "report"}


@needs_data
def test_pegasus_cross_check_with_stix2() -> None:
    import stix2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for obj in load_objects(DATA / "amnesty" / "pegasus.stix2"):
            validate_object(obj)
            stix2.parse(obj, allow_custom=True)


# --- properties ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)),
    st.integers(min_value=0, max_value=9),
)
def test_timestamp_round_trip(dt: datetime, digits: int) -> None:
    frac = f"{dt.microsecond:06d}789"[:digits]
    text = f"{dt.year:04d}-{dt:%m-%dT%H:%M:%S}" + (f".{frac}" if digits else "") + "Z"
    us = parse_timestamp(text)
    assert us == (dt.replace(tzinfo=UTC) - EPOCH) // timedelta(microseconds=1) - dt.microsecond + int(
        (frac + "000000")[:6]
    )
    formatted = format_timestamp(us)
    assert formatted == f"{dt.year:04d}-{dt:%m-%dT%H:%M:%S}.{(frac + '000000')[:6]}Z"
    assert parse_timestamp(formatted) == us


_TYPES = st.sampled_from(
    ["domain-name", "url", "file", "app", "configuration-profile", "x-custom-1", "true", "false",
     "Domain-Name", "a--b", "-x", "ipv4-addr", "t", "h", "IN", "LIKE"]
)  # fmt: skip
_PATHS = st.sampled_from(
    ["value", "name", "hashes.sha256", "hashes.MD5", "cert.sha256", "id", "parent_ref.value", "_", "true",
     "hashes.'SHA-256'", "x.y.z", "values[0]", "1abc", "a-b", "value . name"]
)  # fmt: skip
_VALUE_CHARS = st.sampled_from(
    list("ab=' \\\"]:[.0f9é\n\t") + ["it\\'s", "\\\\", "\\'", "d41d8cd98f00b204e9800998ecf8427e"]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _TYPES,
    _PATHS,
    st.lists(_VALUE_CHARS, max_size=8).map("".join),
    st.sampled_from(["=", " = ", "  =", "!=", "=="]),
    st.sampled_from(["[{}]", "[ {} ]", "[{}] ", " [{}]", "({})", "[{} AND file:name = 'x']"]),
    st.booleans(),
)
def test_check_pattern_agrees_with_stix2patterns(
    otype: str, path: str, raw: str, op: str, frame: str, escape: bool
) -> None:
    from stix2patterns.validator import run_validator

    value = raw.replace("\\", "\\\\").replace("'", "\\'") if escape else raw
    pattern = frame.format(f"{otype}:{path}{op}'{value}'")
    expected = not run_validator(pattern, "2.1")
    try:
        check_pattern(pattern)
        ours = True
    except InvalidStix:
        ours = False
    assert ours == expected, pattern


_HASH_NAMES = st.sampled_from(
    ["MD5", "md5", "SHA-1", "SHA1", "sha1", "SHA-256", "SHA256", "sha256", "SHA-512", "SHA512", "SHA3-256",
     "SSDEEP", "TLSH", "Md5", "SHA-0256", "SHA--256"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    _HASH_NAMES,
    st.booleans(),
    st.sampled_from([0, 1, 31, 32, 33, 40, 56, 64, 96, 128, 129]),
    st.sampled_from(["0123456789abcdef", "ABCDEF", "0f", "g0"]),
    st.sampled_from(["[{}]", "[ {} ]", "[{} ]"]),
)
def test_hash_pattern_fast_path_agrees_with_stix2patterns(
    name: str, quoted: bool, length: int, alphabet: str, frame: str
) -> None:
    """The hash fast path accepts exactly what the full parser accepts (its hash-format check included)."""
    from stix2patterns.validator import run_validator

    value = (alphabet * 130)[:length]
    step = f"'{name}'" if quoted else name
    pattern = frame.format(f"file:hashes.{step} = '{value}'")
    try:
        check_pattern(pattern)
        ours = True
    except InvalidStix:
        ours = False
    assert ours == (not run_validator(pattern, "2.1")), pattern


def test_standard_types_skip_only_a_check_they_pass() -> None:
    """`_type_and_id` skips the `type` pattern for the specification's types: each of them matches it."""
    from hub.stix.validation.core import _STANDARD_TYPES
    from hub.stix.validation.properties import _TYPE_RE

    assert _STANDARD_TYPES and all(_TYPE_RE.fullmatch(stype) for stype in _STANDARD_TYPES)


def test_every_order_rule_is_checked() -> None:
    """`_check_order` finds each rule by its later stamp: two rules with one later stamp would hide one."""
    from hub.stix.validation.core import _ORDER_BY_LATER
    from hub.stix.validation.rules import _ORDER

    assert sorted(_ORDER_BY_LATER.values()) == [(i, *rule) for i, rule in enumerate(_ORDER)]


_STAMP_NAMES = st.sampled_from(
    ["created", "modified", "valid_from", "valid_until", "first_seen", "last_seen", "first_observed",
     "last_observed", "start_time", "stop_time", "analysis_started", "analysis_ended", "start", "end",
     "published"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_STAMP_NAMES, st.integers(0, 3)))
def test_order_check_names_what_the_rule_list_names(stamps: dict[str, int]) -> None:
    """The same verdict and message as checking every rule of `_ORDER` in turn."""
    from hub.stix.validation.core import _check_order
    from hub.stix.validation.errors import _Ctx
    from hub.stix.validation.rules import _ORDER

    expected = None
    for first, later, strict in _ORDER:
        a, b = stamps.get(first), stamps.get(later)
        if a is not None and b is not None and (b <= a if strict else b < a):
            how = "later than" if strict else "equal to or later than"
            expected = f"x: property '{later}' must be {how} '{first}'"
            break
    try:
        _check_order(_Ctx("x", "x"), stamps)
        found = None
    except InvalidStix as exc:
        found = str(exc)
    assert found == expected
