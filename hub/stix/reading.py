"""One object as a reader sees it: its visible versions, relationships to other visible objects, sightings.

Every query goes through `hub.stix.query` and so through the visibility rule; an object with no visible
version does not exist for the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import NotFound
from hub.orgs.models import Organisation
from hub.policy.attribution import owns_identity
from hub.policy.principal import Principal
from hub.stix.models import ObjectVersion
from hub.stix.query import ALL, ObjectFilter, list_versions

MAX_VERSIONS = 200
MAX_RELATED = 100


@dataclass(slots=True)
class Related:
    """A relationship (or sighting) and the visible object at its other end, if any."""

    link: ObjectVersion
    body: dict[str, Any]
    other: ObjectVersion | None = None
    other_body: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ObjectView:
    """What a reader may see of one object in one collection."""

    versions: list[ObjectVersion]
    current: ObjectVersion
    body: dict[str, Any]
    relationships: list[Related]
    sightings: list[Related]


def parse_body(version: ObjectVersion) -> dict[str, Any]:
    """The stored JSON text of a version as a dict."""
    value = orjson.loads(version.body)
    return value if isinstance(value, dict) else {}


def get_object_for(
    session: Session, p: Principal, collection_id: str, stix_id: str, version: int | None = None
) -> ObjectView:
    """The object's visible versions (oldest first), the chosen (or newest) one, relationships and sightings.
    :raises NotFound: no visible version (or not the asked-for one)."""
    every = ObjectFilter(ids=(stix_id,), versions=(ALL,))
    page = list_versions(session, p, collection_id, every, MAX_VERSIONS)
    versions = sorted(page.items, key=lambda v: v.version)
    if not versions:
        raise NotFound(f"no object {stix_id!r} in this collection")
    if version is None:
        current = versions[-1]
    else:
        chosen = [v for v in versions if v.version == version]
        if not chosen:
            raise NotFound(f"no version {version} of {stix_id!r}")
        current = chosen[0]
    relationships = [
        *_related(session, p, collection_id, "relationship", "source_ref", stix_id, "target_ref"),
        *_related(session, p, collection_id, "relationship", "target_ref", stix_id, "source_ref"),
    ]
    sightings = _related(session, p, collection_id, "sighting", "sighting_of_ref", stix_id, None)
    return ObjectView(versions, current, parse_body(current), relationships, sightings)


def _related(
    session: Session,
    p: Principal,
    collection_id: str,
    link_type: str,
    key: str,
    stix_id: str,
    other_key: str | None,
) -> list[Related]:
    links = list_versions(
        session, p, collection_id, ObjectFilter(types=(link_type,), properties=((key, stix_id),)), MAX_RELATED
    ).items
    found: list[Related] = []
    for link in links:
        body = parse_body(link)
        if other_key is None:
            found.append(Related(link, body))
            continue
        other_id = body.get(other_key)
        if not isinstance(other_id, str):
            continue
        others = list_versions(session, p, collection_id, ObjectFilter(ids=(other_id,)), 1).items
        if others:  # relationships to objects the reader cannot see are not shown at all
            found.append(Related(link, body, others[0], parse_body(others[0])))
    return found


def source_label(session: Session, version: ObjectVersion, hub_identity: str, hub_name: str) -> str | None:
    """Who readers are told an object comes from: the feed that pulled it in; the hub, for objects the hub
    attributed to itself (shared without attribution); the producer organisation, only when `created_by_ref`
    is its own identity. Otherwise nothing: a `created_by_ref` alone proves nothing."""
    if version.via_feed:
        return None
    ref = parse_body(version).get("created_by_ref")
    if version.is_anonymous:
        return hub_name if ref == hub_identity else None
    return owns_identity(session, version.producer_org_id, ref)


def reporter_name(session: Session, version: ObjectVersion) -> str | None:
    """The organisation that reported a sighting, when every reader may be told (the attribution rule,
    `hub.policy.attribution.owns_identity`): not shared without attribution, not pulled in by a feed, and
    attributed to the producer's own identity. Otherwise None: "an organisation"."""
    if version.via_feed or version.is_anonymous:
        return None
    return owns_identity(session, version.producer_org_id, parse_body(version).get("created_by_ref"))


def producer_name(session: Session, p: Principal, version: ObjectVersion) -> str | None:
    """The organisation that posted a version, for coordinators only (they see through anonymity)."""
    if not p.is_coordinator or version.producer_org_id is None:
        return None
    return session.scalar(select(Organisation.name).where(Organisation.id == version.producer_org_id))
