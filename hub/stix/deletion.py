"""Deleting objects (TAXII §5.7): only the producer organisation may, and every deletion is audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.errors import NotFound, PermissionDenied
from hub.policy import writing
from hub.policy.principal import Principal
from hub.policy.visibility import visible
from hub.sharing.models import Collection
from hub.stix import latest
from hub.stix.models import ObjectVersion
from hub.stix.query import ALL, FIRST, LAST
from hub.stix.validation import format_timestamp


def delete_object(
    session: Session,
    p: Principal,
    collection_id: str,
    stix_id: str,
    versions: Sequence[str | int] = (ALL,),
    spec_versions: Sequence[str] = (),
) -> int:
    """Delete an object's versions for its producer organisation; audited. Returns how many versions went.

    `versions` are TAXII's `match[version]` values (§3.4.1): `all` (the default: §5.7 says a later GET must
    then 404), `first`, `last` and exact versions in µs, OR-ed; `first` and `last` are the first and last
    version the principal may know of. `spec_versions` (`match[spec_version]`) narrows them further (AND).
    The producer may delete what it cannot read (a write-only drop box), except TLP:RED versions, which only
    their author and the named readers may know of, and so delete.

    :raises NotFound: the collection, object or version is neither visible to `p` nor its organisation's own.
    :raises PermissionDenied: `p` sees the object but its organisation did not produce it.
    """
    collection = session.get(Collection, collection_id)
    if collection is None or collection.id not in p.known:
        raise NotFound(f"no collection {collection_id!r}")
    own = writing.own_deletable(p)
    rows = session.execute(
        select(
            ObjectVersion.id, ObjectVersion.version, ObjectVersion.spec_version, ObjectVersion.producer_org_id
        ).where(
            ObjectVersion.collection_id == collection.id,
            ObjectVersion.stix_id == stix_id,
            or_(visible(p), own),
        )
    ).all()
    if not rows:
        raise NotFound(f"no object {stix_id!r} in this collection")
    if not writing.may_delete(p, (row.producer_org_id for row in rows)):
        raise PermissionDenied("only the organisation that produced this object may delete it")
    rows = _chosen(rows, versions, spec_versions)
    if not rows:
        raise NotFound(f"no version of {stix_id!r} matches match[version] and match[spec_version]")
    # Ingest's write lock on the collection before any row lock (no deadlock with an ingest waiting on these
    # rows), so the newest remaining version is flagged knowing every version stored (`hub.stix.latest`).
    session.execute(select(Collection.id).where(Collection.id == collection.id).with_for_update())
    session.execute(delete(ObjectVersion).where(ObjectVersion.id.in_([row.id for row in rows])))
    latest.mark_newest(session, collection.id, [stix_id])
    record(
        session,
        p,
        "object.delete",
        "stix-object",
        stix_id,
        org_id=p.org_id,
        collection=collection.id,
        versions=sorted(format_timestamp(row.version) for row in rows),
    )
    return len(rows)


def _chosen(rows: Sequence[Any], versions: Sequence[str | int], spec_versions: Sequence[str]) -> list[Any]:
    """The rows `match[version]` and `match[spec_version]` select, among the versions the principal knows."""
    if versions and ALL not in versions:
        known = sorted(row.version for row in rows)
        wanted = {v for v in versions if isinstance(v, int)}
        wanted |= {known[0]} if FIRST in versions else set()
        wanted |= {known[-1]} if LAST in versions else set()
        rows = [row for row in rows if row.version in wanted]
    return [row for row in rows if not spec_versions or row.spec_version in spec_versions]
