"""MISP exchange through misp-stix: a MISP event export comes in as STIX indicators; a collection goes out as
an event MISP ingests."""

from __future__ import annotations

import json

from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.stix.query import ObjectFilter, list_versions

EVENT = {
    "Event": {
        "uuid": "5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a01",
        "info": "Phishing against journalists",
        "date": "2026-01-10",
        "timestamp": "1767000000",
        "threat_level_id": "2",
        "analysis": "2",
        "distribution": "3",
        "published": True,
        "Orgc": {"name": "CiviCERT member", "uuid": "5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a02"},
        "Tag": [{"name": "tlp:green"}],
        "Attribute": [
            {
                "uuid": "5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a03",
                "type": "domain",
                "category": "Network activity",
                "value": "login-secure.example",
                "to_ids": True,
                "timestamp": "1767000000",
            },
            {
                "uuid": "5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a04",
                "type": "comment",
                "category": "Other",
                "value": "seen in SMS lures",
                "to_ids": False,
                "timestamp": "1767000000",
            },
        ],
        "Object": [
            {
                "uuid": "5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a05",
                "name": "url",
                "meta-category": "network",
                "timestamp": "1767000000",
                "Attribute": [
                    {
                        "uuid": "5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a06",
                        "type": "url",
                        "object_relation": "url",
                        "value": "https://login-secure.example/verify",
                        "to_ids": True,
                        "timestamp": "1767000000",
                    }
                ],
            }
        ],
    }
}


def test_misp_event_becomes_stix_indicators_marked_with_the_event_tlp(hub, session, member, tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENT))
    result = hub("import", path, "--as", member.email, "--collection", member.collection.id)
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output
    page = list_versions(
        session,
        principal_for(session, member.user),
        member.collection.id,
        ObjectFilter(types=("indicator",)),
        limit=100,
    )
    indicators = [json.loads(row.body) for row in page.items]
    assert sorted(i["pattern"] for i in indicators) == [
        "[domain-name:value = 'login-secure.example']",
        "[url:value = 'https://login-secure.example/verify']",
    ]
    assert {row.tlp for row in page.items} == {Tlp.GREEN}


def test_collection_exports_as_a_misp_event(hub, member, tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"response": [EVENT]}))
    assert hub("import", path, "--as", member.email, "--collection", member.collection.id).exit_code == 0
    out = tmp_path / "misp.json"
    result = hub(
        "export", "--as", member.email, "--collection", member.collection.id, "--format", "misp", "-o", out
    )
    assert result.exit_code == 0, result.output
    event = json.loads(out.read_text())["Event"]
    values = {a["value"] for a in event.get("Attribute", [])} | {
        a["value"] for o in event.get("Object", []) for a in o["Attribute"]
    }
    assert {"login-secure.example", "https://login-secure.example/verify"} <= values


def test_misp_export_of_nothing_is_a_clear_error(hub, member):
    result = hub("export", "--as", member.email, "--collection", member.collection.id, "--format", "misp")
    assert result.exit_code == 1
    assert "nothing to export" in result.output
