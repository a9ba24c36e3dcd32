"""Threat links: the malware, intrusion set, threat actor or campaign an indicator `indicates`.

"Campaign or threat" used to be stored as a label string, which no tool can follow. Now the member either
picks an existing object (found by a search step: the member types words, the page lists matches, no
JavaScript) or names a new one, and the hub adds a STIX `indicates` relationship (indicator -> threat) at the
indicator's TLP, in the same submission.

Matches come from `hub.search.service.search`, so only objects whose latest visible version the member may
see are listed or counted; a chosen id is checked again the same way (`get_threat`), so a forged form names
nothing the member cannot see. Whether the relationship may reference the threat at that TLP is a write
decision (`hub.policy.writing.link_refusal`, through `hub.policy.sro`), asked before the preview offers Share.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import NotFound
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.policy.visibility import visible
from hub.search.service import MIN_TEXT, SearchQuery, search
from hub.stix.models import ObjectVersion
from hub.stix.query import is_last_visible

THREAT_TYPES: Final = ("malware", "intrusion-set", "threat-actor", "campaign")
MAX_MATCHES: Final = 20


@dataclass(frozen=True, slots=True)
class Threat:
    """A threat object as the member sees it (its latest visible version, in one channel)."""

    stix_id: str
    type: str
    name: str
    tlp: Tlp
    collection_id: str


def _threat_of(version: ObjectVersion) -> Threat:
    body = orjson.loads(version.body)
    name = body.get("name") if isinstance(body, dict) else None
    return Threat(
        version.stix_id,
        version.type,
        name if isinstance(name, str) else version.stix_id,
        Tlp(version.tlp),
        version.collection_id,
    )


def find_threats(session: Session, p: Principal, text: str) -> list[Threat]:
    """Threat objects `p` may see whose name, aliases or description contain `text` (three characters or
    more), one per id, exact names first."""
    words = text.strip()
    if len(words) < MIN_TEXT:
        return []
    found = search(session, p, SearchQuery(words, types=THREAT_TYPES))
    threats: dict[str, Threat] = {}
    for version in found.items:
        threats.setdefault(version.stix_id, _threat_of(version))
    exact = words.casefold()
    ordered = sorted(threats.values(), key=lambda t: (t.name.casefold() != exact, t.name.casefold()))
    return ordered[:MAX_MATCHES]


def get_threat(session: Session, p: Principal, stix_id: str) -> Threat:
    """The threat object with this id, as `p` sees it. :raises NotFound: no visible threat has this id."""
    v = ObjectVersion
    version = session.scalars(
        select(v)
        .where(v.stix_id == stix_id, v.type.in_(THREAT_TYPES), visible(p, v), is_last_visible(p, v))
        .order_by(v.tlp, v.date_added.desc())
        .limit(1)
    ).first()
    if version is None:
        raise NotFound(f"no threat {stix_id!r}")
    return _threat_of(version)


def build_threat(
    threat_type: str, name: str, tlp: Tlp, created_by_ref: str | None, stamp: str
) -> dict[str, Any]:
    """A new threat object named by the member, at the indicator's TLP (malware as a named family)."""
    if threat_type not in THREAT_TYPES:
        raise ValueError(f"not a threat type: {threat_type!r}")
    obj: dict[str, Any] = {
        "type": threat_type,
        "spec_version": "2.1",
        "id": f"{threat_type}--{uuid.uuid4()}",
        "created": stamp,
        "modified": stamp,
        "name": name.strip(),
        "object_marking_refs": [tlp.marking_id],
    }
    if threat_type == "malware":
        obj["is_family"] = True
    if created_by_ref:
        obj["created_by_ref"] = created_by_ref
    return obj


def build_indicates(
    indicator_id: str, threat_id: str, tlp: Tlp, created_by_ref: str | None, stamp: str
) -> dict[str, Any]:
    """The `indicates` relationship from an indicator to a threat, at the indicator's TLP."""
    obj: dict[str, Any] = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": stamp,
        "modified": stamp,
        "relationship_type": "indicates",
        "source_ref": indicator_id,
        "target_ref": threat_id,
        "object_marking_refs": [tlp.marking_id],
    }
    if created_by_ref:
        obj["created_by_ref"] = created_by_ref
    return obj
