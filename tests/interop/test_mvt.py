"""The MVT export: MVT's own loader reads it, and no shape that breaks that loader is ever written."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.interop.mvt import MVT_KEYS, disjunction, mvt_indicators
from hub.stix.validation import parse_timestamp

SAFE_PATTERN = re.compile(r"\[([a-z0-9:.-]+)='([^'\\=\[\]\s](?:[^'\\=\[\]\n\r\t]*[^'\\=\[\]\s])?)'\]")


@pytest.fixture
def exported(hub, member, shared_data, tmp_path) -> Path:
    """Everything edgy and real imported into one collection, then exported for MVT up to GREEN (the
    AMBER-marked edge file keeps its marking)."""
    files = [
        *sorted((shared_data / "mvt-edge").glob("*.stix2")),
        shared_data / "amnesty" / "pegasus.stix2",
        *sorted((shared_data / "mvt-indicators").glob("*.stix2")),
    ]
    files = [f for f in files if f.name != "no_objects_key.stix2"]
    result = hub(
        "import", *files, "--as", member.email, "--collection", member.collection.id, "--tlp", "clear"
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "hub.stix2"
    result = hub(
        "export",
        "--as",
        member.email,
        "--collection",
        member.collection.id,
        "--format",
        "mvt",
        "--tlp-max",
        "green",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    return out


IOC_KINDS = (
    "domains",
    "processes",
    "emails",
    "file_names",
    "file_paths",
    "files_md5",
    "files_sha1",
    "files_sha256",
    "app_cert_hashes",
    "app_ids",
    "ios_profile_ids",
    "android_property_names",
    "urls",
)


def _mvt_load(*paths: Path) -> dict[str, dict[str, set[str]]]:
    """What MVT's own loader makes of the files: collection name -> ioc kind -> values."""
    from mvt.common.indicators import Indicators

    indicators = Indicators(log=logging.getLogger("mvt-test"))
    for path in paths:
        indicators.parse_stix2(str(path))
    loaded: dict[str, dict[str, set[str]]] = {}
    for collection in indicators.ioc_collections:
        kinds = loaded.setdefault(collection["name"], {kind: set() for kind in IOC_KINDS})
        for kind in IOC_KINDS:
            kinds[kind].update(collection[kind])
    return loaded


def test_mvt_loader_reads_the_export_with_every_ioc_of_the_real_files(exported, shared_data):
    loaded = _mvt_load(exported)
    originals = _mvt_load(
        shared_data / "amnesty" / "pegasus.stix2", *sorted((shared_data / "mvt-indicators").glob("*.stix2"))
    )
    for name, kinds in originals.items():
        for kind, values in kinds.items():
            assert values <= loaded[name][kind], (name, kind, sorted(values - loaded[name][kind])[:5])
    assert "weather4free.com" in loaded["Pegasus"]["domains"]
    default = loaded["Default collection"]
    assert {
        "a.example",
        "b.example",
        "v2.example",
        "spaced.example",
        "mixed.example",
        "c.example",
        "198.51.100.7",
    } <= default["domains"]
    assert "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f" in default["files_sha256"]


def test_mvt_export_leaves_out_what_mvt_would_misread(exported):
    text = exported.read_text()
    for value in (
        "revoked.example",
        "expired.example",
        "v1.example",
        "x.example/?a=b",
        "it\\\\'s.apk",
        "2001:db8::1",
        "198.51.100.0/24",
        "condition: $a",
        "amber.example",
    ):
        assert value not in text, value


def test_mvt_export_never_has_a_shape_that_breaks_mvt(exported):
    document = json.loads(exported.read_text())
    assert (
        isinstance(document, dict) and document["type"] == "bundle" and isinstance(document["objects"], list)
    )
    indicator_ids = [o["id"] for o in document["objects"] if o["type"] == "indicator"]
    assert len(indicator_ids) == len(set(indicator_ids))
    for obj in document["objects"]:
        if obj["type"] == "malware":
            assert obj.get("name")
        if obj["type"] == "indicator":
            _assert_safe_indicator(obj)
        if obj["type"] == "relationship":
            assert obj["source_ref"] in indicator_ids


def _assert_safe_indicator(obj: dict) -> None:
    match = SAFE_PATTERN.fullmatch(obj["pattern"])
    assert match, obj["pattern"]
    assert match.group(1) in MVT_KEYS
    assert obj["pattern"].count("=") == 1
    assert obj["pattern_type"] == "stix" and not obj.get("revoked")
    assert "valid_until" not in obj or parse_timestamp(obj["valid_until"]) > parse_timestamp(
        "2026-01-01T00:00:00Z"
    )


_VALUE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)
_KEY = st.sampled_from(
    [
        "domain-name:value",
        "url:value",
        "ipv4-addr:value",
        "ipv6-addr:value",
        "file:name",
        "file:hashes.'SHA-256'",
        "file:hashes.MD5",
        "app:id",
        "email-addr:value",
        "x-thing:value",
    ]
)


@given(
    st.lists(st.tuples(_KEY, _VALUE), min_size=1, max_size=4),
    st.sampled_from([" OR ", " AND "]),
    st.booleans(),
)
def test_any_pattern_becomes_only_safe_single_comparisons(comparisons, joiner, observation_level):
    literals = [
        f"{key} = '{value.replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'"
        for key, value in comparisons
    ]
    pattern = (
        ("[" + f"]{joiner}[".join(literals) + "]") if observation_level else "[" + joiner.join(literals) + "]"
    )
    obj = {
        "type": "indicator",
        "id": "indicator--00000000-0000-4000-8000-000000000001",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    derived = mvt_indicators(obj, parse_timestamp("2026-06-01T00:00:00Z"))
    for item in derived:
        _assert_safe_indicator(item)
    if joiner == " AND " and len(comparisons) > 1:
        assert derived == []
    else:
        assert disjunction(pattern) == [(k, v) for k, v in comparisons]
