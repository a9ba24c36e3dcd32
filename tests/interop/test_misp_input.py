"""Issue 11, item 12: bare MISP events (PyMISP's `to_json()`) are accepted; every attribute that could not be
converted is reported and the import exits non-zero."""

from __future__ import annotations

import copy
import json

from tests.interop.test_misp import EVENT


def _write(tmp_path, document) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_a_bare_event_is_imported(hub, member, tmp_path):
    bare = copy.deepcopy(EVENT["Event"])
    result = hub("import", _write(tmp_path, bare), "--as", member.email, "--collection", member.collection.id)
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output and " 0 stored" not in result.output


def test_a_list_of_bare_events_is_imported(hub, member, tmp_path):
    bare = copy.deepcopy(EVENT["Event"])
    result = hub(
        "import", _write(tmp_path, [bare]), "--as", member.email, "--collection", member.collection.id
    )
    assert result.exit_code == 0, result.output


def test_an_attribute_of_unknown_type_is_reported_and_the_exit_status_says_so(hub, member, tmp_path):
    event = copy.deepcopy(EVENT)
    event["Event"]["Attribute"][1]["type"] = "no-such-type"
    result = hub(
        "import", _write(tmp_path, event), "--as", member.email, "--collection", member.collection.id
    )
    assert result.exit_code == 1, result.output
    assert "5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a04" in result.output
    assert "not converted" in result.output


def test_a_non_list_attribute_field_is_reported(hub, member, tmp_path):
    event = copy.deepcopy(EVENT)
    event["Event"]["Attribute"] = {"uuid": "x", "type": "domain", "value": "a.example"}
    result = hub(
        "import", _write(tmp_path, event), "--as", member.email, "--collection", member.collection.id
    )
    assert result.exit_code == 1, result.output
    assert "Attribute" in result.output and "list" in result.output
