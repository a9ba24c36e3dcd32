"""Demo STIX objects, generated deterministically so that seeding twice stores nothing twice.

The observables use reserved names (`.example`, documentation IP ranges): they look like a real feed but can
never point at anybody's real infrastructure.
"""

from __future__ import annotations

import uuid
from typing import Any

from hub.policy.tlp import Tlp

NAMESPACE = uuid.UUID("0b9c7f0a-5b7e-4f6e-9a2d-3c1d2e4f5a6b")
CREATED = "2026-10-01T09:00:00.000Z"


def stix_id(kind: str, name: str) -> str:
    """A stable id for a demo object."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, kind + ':' + name)}"


def indicator(
    name: str,
    pattern: str,
    description: str,
    tlp: Tlp,
    created_by: str,
    labels: list[str],
    indicator_types: list[str],
) -> dict[str, Any]:
    """A STIX 2.1 indicator."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id("indicator", name),
        "created": CREATED,
        "modified": CREATED,
        "name": name,
        "description": description,
        "indicator_types": indicator_types,
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": CREATED,
        "labels": labels,
        "created_by_ref": created_by,
        "object_marking_refs": [tlp.marking_id],
    }


def public_advisories(producer: str) -> list[dict[str, Any]]:
    """CLEAR objects for everyone: a phishing campaign against defenders and its indicators."""
    campaign: dict[str, Any] = {
        "type": "campaign",
        "spec_version": "2.1",
        "id": stix_id("campaign", "fake-ngo-grant"),
        "created": CREATED,
        "modified": CREATED,
        "name": "Fake NGO grant phishing",
        "description": "Emails offering emergency grants to human-rights organisations lead to credential "
        "phishing pages imitating webmail providers.",
        "created_by_ref": producer,
        "object_marking_refs": [Tlp.CLEAR.marking_id],
    }
    indicators = [
        indicator(
            "Grant phishing landing page",
            "[domain-name:value = 'hr-emergency-grants.example']",
            "Landing page of the fake grant emails.",
            Tlp.CLEAR,
            producer,
            ["phishing"],
            ["malicious-activity"],
        ),
        indicator(
            "Webmail credential harvester",
            "[url:value = 'https://secure-mail-login.example/verify?session=reset']",
            "Imitates a webmail sign-in page.",
            Tlp.CLEAR,
            producer,
            ["phishing"],
            ["malicious-activity"],
        ),
        indicator(
            "Phishing sender",
            "[email-addr:value = 'grants-office@hr-emergency-grants.example']",
            "Sender of the grant emails.",
            Tlp.CLEAR,
            producer,
            ["phishing"],
            ["malicious-activity"],
        ),
    ]
    relationships = [
        relationship(i["id"], "indicates", campaign["id"], producer, Tlp.CLEAR) for i in indicators
    ]
    return [campaign, *indicators, *relationships]


def community_feed(producer: str) -> list[dict[str, Any]]:
    """GREEN and AMBER objects for vetted members: spyware infrastructure and a harassment network."""
    malware: dict[str, Any] = {
        "type": "malware",
        "spec_version": "2.1",
        "id": stix_id("malware", "examplespy"),
        "created": CREATED,
        "modified": CREATED,
        "name": "ExampleSpy",
        "is_family": True,
        "malware_types": ["spyware"],
        "description": "Mercenary mobile spyware delivered by one-click links.",
        "created_by_ref": producer,
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    indicators = [
        indicator(
            "ExampleSpy delivery domain",
            "[domain-name:value = 'news-update-alerts.example']",
            "One-click infection link domain.",
            Tlp.GREEN,
            producer,
            ["spyware"],
            ["malicious-activity"],
        ),
        indicator(
            "ExampleSpy command server",
            "[ipv4-addr:value = '203.0.113.47']",
            "Command-and-control server.",
            Tlp.AMBER,
            producer,
            ["spyware"],
            ["malicious-activity"],
        ),
        indicator(
            "ExampleSpy implant hash",
            "[file:hashes.'SHA-256' = '9f2b1c4e7d3a5b6c8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d']",
            "Android implant.",
            Tlp.AMBER,
            producer,
            ["spyware"],
            ["malicious-activity"],
        ),
        indicator(
            "Harassment network coordinator account",
            "[user-account:account_login = 'truth_patrol_2026' AND user-account:account_type = 'x']",
            "Account coordinating a smear campaign against journalists.",
            Tlp.AMBER,
            producer,
            ["harassment"],
            ["attribution"],
        ),
    ]
    relationships = [
        relationship(i["id"], "indicates", malware["id"], producer, Tlp.GREEN) for i in indicators[:3]
    ]
    return [malware, *indicators, *relationships]


def escalations(producer: str) -> list[dict[str, Any]]:
    """AMBER+STRICT and RED objects for named readers only: a case that could endanger a person."""
    return [
        indicator(
            "Impersonation of a named defender",
            "[user-account:account_login = 'defender_official_real']",
            "Account impersonating a defender to lure contacts; the person is at risk.",
            Tlp.RED,
            producer,
            ["impersonation"],
            ["malicious-activity"],
        ),
        indicator(
            "Doxxing paste",
            "[url:value = 'https://paste.example/raw/aZ19kQ']",
            "Paste publishing a defender's home address.",
            Tlp.AMBER_STRICT,
            producer,
            ["doxxing"],
            ["malicious-activity"],
        ),
    ]


def relationship(source: str, kind: str, target: str, producer: str, tlp: Tlp) -> dict[str, Any]:
    """A STIX relationship."""
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id("relationship", f"{source}-{kind}-{target}"),
        "created": CREATED,
        "modified": CREATED,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
        "created_by_ref": producer,
        "object_marking_refs": [tlp.marking_id],
    }
