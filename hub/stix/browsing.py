"""A channel as a list people can read: newest first (or oldest), with the total, page numbers, and the
relationships and sightings folded into the objects they concern.

Rows are the latest visible version of each object (`hub.stix.query`, under the visibility rule). Unless a
type is chosen, relationships and sightings are not rows of their own: an indicator row carries its value, the
names of what it `indicates` (a visible relationship to a visible object of the channel, both at their latest
visible version), who shared it (None when shared without attribution: "the hub") and how many sightings of it
the reader may see (`hub.stix.correlation.visible_sightings`). Nothing here counts or names what is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from hub.orgs.models import Organisation
from hub.policy.principal import Principal
from hub.policy.visibility import visible
from hub.search.models import ObjectLink
from hub.stix.correlation import names_of, visible_sightings
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import observables_of
from hub.stix.query import ObjectFilter, is_last_visible, visible_in_collection

NEWEST, OLDEST = "newest", "oldest"
FOLDED_TYPES = ("relationship", "sighting")
_LINK = aliased(ObjectVersion, name="browse_link")
_TARGET = aliased(ObjectVersion, name="browse_target")


@dataclass(slots=True)
class Row:
    """One object as a row: its latest visible version, and what is folded into it."""

    version: ObjectVersion
    body: dict[str, Any]
    values: list[str] = field(default_factory=list)
    indicates: list[str] = field(default_factory=list)
    producer: str | None = None
    sightings: int = 0


@dataclass(slots=True)
class BrowsePage:
    """One page of rows, the total under the same filters, and page numbers (1-based)."""

    rows: list[Row]
    total: int
    page: int
    pages: int


def browse(
    session: Session, p: Principal, collection_id: str, f: ObjectFilter, order: str, page: int, size: int
) -> BrowsePage:
    """A page of the channel as `p` may see it."""
    query = visible_in_collection(p, collection_id, f)
    if not f.types:
        query = query.where(ObjectVersion.type.not_in(FOLDED_TYPES))
    counted = query.order_by(None).with_only_columns(ObjectVersion.id).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    newest = order != OLDEST
    key = ObjectVersion.date_added.desc() if newest else ObjectVersion.date_added
    versions = list(session.scalars(query.order_by(None).order_by(key).offset((page - 1) * size).limit(size)))
    return BrowsePage(_rows(session, p, collection_id, versions), total, page, pages)


def _rows(session: Session, p: Principal, collection_id: str, versions: list[ObjectVersion]) -> list[Row]:
    rows = [Row(v, _body(v.body)) for v in versions]
    ids = {row.version.stix_id for row in rows}
    sightings = visible_sightings(session, p, {(collection_id, stix_id) for stix_id in ids})
    indicated = _indicated(session, p, collection_id, ids)
    producers = names_of(session, Organisation, {v.producer_org_id for v in versions if not v.is_anonymous})
    for row in rows:
        v = row.version
        row.values = [o.value for o in observables_of(row.body)]
        row.indicates = sorted(indicated.get(v.stix_id, set()))
        row.producer = None if v.is_anonymous else producers.get(v.producer_org_id)
        row.sightings = sightings.get((collection_id, v.stix_id), (0, 0))[0]
    return rows


def _indicated(session: Session, p: Principal, collection_id: str, ids: set[str]) -> dict[str, set[str]]:
    """Names (or ids) of the visible objects each id `indicates` through a visible relationship."""
    if not ids:
        return {}
    link, target = _LINK, _TARGET
    statement = (
        select(ObjectLink.source_ref, target.stix_id, target.body)
        .join(link, link.id == ObjectLink.version_id)
        .join(
            target,
            and_(target.collection_id == link.collection_id, target.stix_id == ObjectLink.target_ref),
        )
        .where(
            link.collection_id == collection_id,
            ObjectLink.source_ref.in_(sorted(ids)),
            ObjectLink.relationship_type == "indicates",
            visible(p, link),
            is_last_visible(p, link),
            visible(p, target),
            is_last_visible(p, target),
        )
    )
    found: dict[str, set[str]] = {}
    for source, target_id, body in session.execute(statement):
        name = _body(body).get("name")
        found.setdefault(source, set()).add(name if isinstance(name, str) else target_id)
    return found


def _body(text: str) -> dict[str, Any]:
    value = orjson.loads(text)
    return value if isinstance(value, dict) else {}
