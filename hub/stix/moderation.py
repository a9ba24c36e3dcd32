"""Moderation by coordinators: the queue of quarantined versions, approve, reject and withdraw.

Coordinators are no superusers of content: every read here goes through `visible(p)`, so a coordinator sees a
TLP:RED version in the queue only when a `user:` rule of its collection names them.
Approval re-stamps `date_added` under the collection's write lock, as ingest does, so TAXII pollers that use
`added_after` receive newly approved objects; and, as ingest does, raises the `source_added` of the links from
the object (`hub.search.indexing.raise_source_added`), which the search relies on never being below it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import begin_write, first_or_raise, now_us
from hub.errors import Conflict, NotFound
from hub.notify.outbox import emit, emit_objects
from hub.orgs.models import Organisation
from hub.orgs.trust import require_reason
from hub.policy.principal import Principal
from hub.policy.roles import require_coordinator
from hub.policy.visibility import visible
from hub.search.indexing import raise_source_added
from hub.sharing.models import Collection
from hub.stix.models import ObjectVersion, State
from hub.stix.query import Page


def list_queue(
    session: Session, p: Principal, limit: int = 50, after: int | None = None
) -> Page[ObjectVersion]:
    """Quarantined versions `p` may see, oldest first, paged on the row id."""
    require_coordinator(p)
    query = (
        select(ObjectVersion)
        .where(visible(p), ObjectVersion.state == int(State.QUARANTINED))
        .order_by(ObjectVersion.id)
    )
    if after is not None:
        query = query.where(ObjectVersion.id > after)
    rows = list(session.scalars(query.limit(limit + 1)))
    return Page.from_rows(rows, limit, lambda row: row.id)


def count_queue(session: Session, p: Principal) -> int:
    """How many quarantined versions `p` may see."""
    require_coordinator(p)
    return (
        session.scalar(
            select(func.count(ObjectVersion.id)).where(
                visible(p), ObjectVersion.state == int(State.QUARANTINED)
            )
        )
        or 0
    )


def producer_names(session: Session, versions: list[ObjectVersion]) -> dict[int, str]:
    """Names of the organisations that produced these versions (coordinators know, even anonymous ones)."""
    ids = sorted({v.producer_org_id for v in versions if v.producer_org_id is not None})
    if not ids:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return {row.id: row.name for row in rows}


def get_version(session: Session, p: Principal, version_id: int) -> ObjectVersion:
    """One version a coordinator may see."""
    require_coordinator(p)
    return first_or_raise(
        session,
        select(ObjectVersion).where(ObjectVersion.id == version_id, visible(p)),
        f"no object version with id {version_id}",
    )


def find_object(session: Session, p: Principal, stix_id: str) -> list[ObjectVersion]:
    """Every version of a STIX id that `p` may see, in any collection, newest first (to withdraw it)."""
    require_coordinator(p)
    return list(
        session.scalars(
            select(ObjectVersion)
            .where(ObjectVersion.stix_id == stix_id.strip(), visible(p))
            .order_by(ObjectVersion.collection_id, ObjectVersion.version.desc())
        )
    )


def approve(session: Session, p: Principal, version_id: int, reason: str | None = None) -> ObjectVersion:
    """Publish a quarantined version with a fresh `date_added` (commits what was pending, like ingest).

    :raises NotFound: invisible or unknown. :raises Conflict: not quarantined.
    """
    require_coordinator(p)
    begin_write(session)
    version = _locked_version(session, p, version_id)
    if version.state != State.QUARANTINED:
        raise Conflict(f"this version is {State(version.state).label}, not quarantined")
    _publish(session, p, version, reason)
    return version


def approve_many(session: Session, p: Principal, version_ids: list[int], reason: str) -> list[ObjectVersion]:
    """Publish several quarantined versions with one reason, under one write lock (a coordinator ticks the
    rows of a page). Versions another coordinator decided meanwhile are left as they are and not returned;
    every published one gets its own audit entry with the reason.

    :raises InvalidInput: no reason. :raises NotFound: a version `p` may not see.
    """
    require_coordinator(p)
    text = require_reason(reason)
    begin_write(session)
    published = []
    for version_id in dict.fromkeys(version_ids):
        version = _locked_version(session, p, version_id)
        if version.state == State.QUARANTINED:
            _publish(session, p, version, text)
            published.append(version)
    return published


def _publish(session: Session, p: Principal, version: ObjectVersion, reason: str | None) -> None:
    last = session.execute(
        select(Collection.last_date_added).where(Collection.id == version.collection_id).with_for_update()
    ).scalar_one()
    stamp = max(now_us(), last + 1)
    session.execute(
        update(Collection).where(Collection.id == version.collection_id).values(last_date_added=stamp)
    )
    version.state = int(State.PUBLISHED)
    version.date_added = stamp
    session.flush()
    raise_source_added(session, version.collection_id, stamp, stamp)  # the links from it (hub.search)
    record(
        session,
        p,
        "object.approve",
        "object",
        version.stix_id,
        org_id=version.producer_org_id,
        reason=reason,
        collection=version.collection_id,
        version_id=version.id,
    )
    emit_objects(session, version.collection_id, [version.id])  # subscribers hear of it now
    emit(session, "moderation.decided", version_id=version.id, decision="approved")


def reject(session: Session, p: Principal, version_id: int, reason: str) -> ObjectVersion:
    """Refuse a quarantined version: it is withdrawn; its producer still sees it."""
    text = require_reason(reason)
    version = get_version(session, p, version_id)
    if version.state != State.QUARANTINED:
        raise Conflict(f"this version is {State(version.state).label}, not quarantined")
    version.state = int(State.WITHDRAWN)
    record(
        session,
        p,
        "object.reject",
        "object",
        version.stix_id,
        org_id=version.producer_org_id,
        reason=text,
        collection=version.collection_id,
        version_id=version.id,
    )
    emit(session, "moderation.decided", version_id=version.id, decision="rejected")
    return version


def withdraw(session: Session, p: Principal, version_id: int, reason: str) -> int:
    """Withdraw the object a published version belongs to (every version of it in that collection), for
    abuse, error or danger to someone. Only its producer and coordinators see it afterwards. Returns how many
    versions were withdrawn.

    :raises InvalidInput: no reason. :raises NotFound: invisible. :raises Conflict: already withdrawn.
    """
    text = require_reason(reason)
    version = get_version(session, p, version_id)
    if version.state != State.PUBLISHED:
        raise Conflict(
            f"this version is {State(version.state).label}; only published objects can be withdrawn"
        )
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(ObjectVersion)
        .where(
            ObjectVersion.collection_id == version.collection_id,
            ObjectVersion.stix_id == version.stix_id,
            ObjectVersion.state != int(State.WITHDRAWN),
        )
        .values(state=int(State.WITHDRAWN))
        .execution_options(synchronize_session="fetch")
    )
    count = result.rowcount
    record(
        session,
        p,
        "object.withdraw",
        "object",
        version.stix_id,
        org_id=version.producer_org_id,
        reason=text,
        collection=version.collection_id,
        versions=count,
    )
    emit(session, "moderation.decided", version_id=version.id, decision="withdrawn")
    return int(count)


def _locked_version(session: Session, p: Principal, version_id: int) -> ObjectVersion:
    version = session.scalar(
        select(ObjectVersion)
        .where(ObjectVersion.id == version_id, visible(p))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if version is None:
        raise NotFound(f"no object version with id {version_id}")
    return version
