"""Deterministic STIX 2.1 indicators for the benchmark: the same N objects for every server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

NAMESPACE = uuid.UUID("6b1d3c1e-9d1c-4c55-9a51-0f3c3b7a2b10")
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
ENVELOPE_SIZE = 500


def stamp(moment: datetime) -> str:
    """A STIX timestamp with millisecond precision (what most producers send)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def pattern_for(i: int, salt: str) -> str:
    """A single-comparison pattern, as most real indicator patterns are; four observable kinds in turn."""
    kind = i % 4
    if kind == 0:
        return f"[domain-name:value = 'c2-{salt}-{i}.example.net']"
    if kind == 1:
        return f"[ipv4-addr:value = '10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}']"
    if kind == 2:
        return f"[url:value = 'https://phish-{salt}-{i}.example.org/login']"
    digest = uuid.uuid5(NAMESPACE, f"{salt}-{i}").hex
    return f"[file:hashes.'SHA-256' = '{digest}{digest}']"


def indicator(i: int, salt: str = "b", version: int = 0) -> dict[str, Any]:
    """Indicator number `i` of the series `salt`; `version` > 0 gives a later `modified`."""
    created = BASE_TIME + timedelta(seconds=i)
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(NAMESPACE, f'{salt}-{i}')}",
        "created": stamp(created),
        "modified": stamp(created + timedelta(minutes=version)),
        "name": f"benchmark indicator {salt}-{i}",
        "indicator_types": ["malicious-activity"],
        "pattern": pattern_for(i, salt),
        "pattern_type": "stix",
        "valid_from": stamp(created),
    }


def lookup_value(i: int, salt: str = "b") -> str:
    """The observable value of indicator `i` when it is a domain (i % 4 == 0)."""
    return f"c2-{salt}-{i - i % 4}.example.net"


def envelopes(n: int, salt: str = "b", size: int = ENVELOPE_SIZE) -> Iterator[dict[str, Any]]:
    """N indicators in TAXII envelopes of `size` objects."""
    for start in range(0, n, size):
        yield {"objects": [indicator(i, salt) for i in range(start, min(n, start + size))]}
