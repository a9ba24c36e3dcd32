"""Building STIX 2.1 objects from what people type: an indicator for one observable, and feedback sightings.

Pure functions: values are checked and normalised with `hub.stix.observables`, the result still goes through
`hub.stix.ingest.add_objects` (and so through validation) like anything else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from hub.errors import InvalidInput
from hub.policy.tlp import Tlp
from hub.stix.observables import Observable, normalise, refang


class ObservableKind(StrEnum):
    """What a member can share as an indicator."""

    DOMAIN = "domain"
    URL = "url"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    EMAIL = "email"
    HASH = "hash"
    ACCOUNT = "account"
    PHONE = "phone"


class Feedback(StrEnum):
    """Feedback kinds, stored as `x_hub_feedback` on a sighting."""

    SEEN = "seen"
    ACTIONED = "actioned"
    FALSE_POSITIVE = "false-positive"


INDICATOR_TYPES = ("malicious-activity", "anomalous-activity", "compromised", "attribution", "unknown")
_HASHES = {32: ("md5", "MD5"), 40: ("sha1", "SHA-1"), 64: ("sha256", "SHA-256"), 128: ("sha512", "SHA-512")}
_PATHS = {
    ObservableKind.DOMAIN: "domain-name:value",
    ObservableKind.URL: "url:value",
    ObservableKind.IPV4: "ipv4-addr:value",
    ObservableKind.IPV6: "ipv6-addr:value",
    ObservableKind.EMAIL: "email-addr:value",
    ObservableKind.ACCOUNT: "user-account:account_login",
    ObservableKind.PHONE: "x-phone-number:value",
}


@dataclass(frozen=True, slots=True)
class IndicatorInput:
    """What the share form collects."""

    kind: ObservableKind
    value: str
    name: str
    tlp: Tlp
    valid_from: date
    valid_until: date | None = None
    description: str = ""
    threat: str = ""
    indicator_type: str = "malicious-activity"
    platform: str = ""


def observable_of(kind: ObservableKind, raw: str) -> Observable:
    """The typed value (defanged forms accepted) as a normalised observable.
    :raises InvalidInput: not a value of that kind."""
    text = refang(raw)
    try:
        if kind is ObservableKind.HASH:
            digest = text.lower()
            if len(digest) not in _HASHES:
                raise ValueError(
                    "a file hash has 32 (MD5), 40 (SHA-1), 64 (SHA-256) or 128 (SHA-512) hex digits"
                )
            hash_kind = _HASHES[len(digest)][0]
            return Observable(hash_kind, normalise(hash_kind, digest))  # type: ignore[arg-type]
        return Observable(kind.value, normalise(kind.value, text))  # type: ignore[arg-type]
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def pattern_for(kind: ObservableKind, observable: Observable, platform: str = "") -> str:
    """A STIX pattern matching the observable."""
    if kind is ObservableKind.HASH:
        return f"[file:hashes.'{_HASHES[len(observable.value)][1]}' = {_quote(observable.value)}]"
    comparison = f"{_PATHS[kind]} = {_quote(observable.value)}"
    if kind is ObservableKind.ACCOUNT and platform.strip():
        comparison += f" AND user-account:account_type = {_quote(platform.strip().lower())}"
    return f"[{comparison}]"


def build_indicator(
    data: IndicatorInput, created_by_ref: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """A STIX 2.1 indicator for one observable, marked with the chosen TLP."""
    observable = observable_of(data.kind, data.value)
    if data.valid_until is not None and data.valid_until <= data.valid_from:
        raise InvalidInput("'valid until' must be after 'valid from'")
    if data.indicator_type not in INDICATOR_TYPES:
        raise InvalidInput(f"unknown indicator type {data.indicator_type!r}")
    stamp = _timestamp(now)
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": stamp,
        "modified": stamp,
        "name": data.name.strip() or observable.value,
        "indicator_types": [data.indicator_type],
        "pattern": pattern_for(data.kind, observable, data.platform),
        "pattern_type": "stix",
        "valid_from": _day(data.valid_from),
        "object_marking_refs": [data.tlp.marking_id],
    }
    if data.valid_until is not None:
        obj["valid_until"] = _day(data.valid_until)
    if data.description.strip():
        obj["description"] = data.description.strip()
    if data.threat.strip():
        obj["labels"] = [data.threat.strip()]
    if created_by_ref:
        obj["created_by_ref"] = created_by_ref
    return obj


def build_sighting(
    indicator_id: str,
    tlp: Tlp,
    kind: Feedback,
    note: str,
    created_by_ref: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A sighting of an indicator carrying member feedback (`x_hub_feedback`), at the indicator's TLP."""
    stamp = _timestamp(now)
    obj: dict[str, Any] = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": stamp,
        "modified": stamp,
        "sighting_of_ref": indicator_id,
        "first_seen": stamp,
        "last_seen": stamp,
        "count": 1,
        "x_hub_feedback": kind.value,
        "object_marking_refs": [tlp.marking_id],
    }
    if note.strip():
        obj["description"] = note.strip()
    if created_by_ref:
        obj["created_by_ref"] = created_by_ref
    return obj


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _timestamp(now: datetime | None) -> str:
    moment = now or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"
