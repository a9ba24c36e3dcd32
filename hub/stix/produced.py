"""What a member, or a member's organisation, produced: each object's state and the sightings it received.

"My submissions" lists the objects whose latest version the member may see and wrote; the organisation view
(its admins) lists every object the organisation produced. Both start from the visibility rule
(`hub.policy.visibility.visible`, latest visible version): the producer organisation sees its own objects
whatever their moderation state or TLP below RED, but a colleague's TLP:RED object addressed only to its
author stays hidden from an org admin exactly as everywhere else, in the rows and in every count.

The state shown is one word: `quarantined` (waiting for a coordinator), `published`, `rejected` (a coordinator
refused it, with the reason), `withdrawn` (a coordinator took it down, with the reason) or `revoked` (the
producer's final version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEvent
from hub.errors import PermissionDenied
from hub.policy.principal import Principal
from hub.policy.roles import may_manage_org
from hub.policy.visibility import own, visible
from hub.stix.correlation import visible_sightings
from hub.stix.models import ObjectVersion, State
from hub.stix.query import is_last_visible
from hub.stix.revision import REVOKED

PAGE_SIZE = 50
REJECT, WITHDRAW = "object.reject", "object.withdraw"


class Scope(StrEnum):
    """Whose objects: the member's own, or the whole organisation's (org admins)."""

    MINE = "mine"
    ORG = "org"


class Status(StrEnum):
    """What became of an object, as its producer sees it."""

    QUARANTINED = "quarantined"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Wanted:
    """The page asked for: whose, which state and type (None: any), which page (from 1)."""

    scope: Scope = Scope.MINE
    status: Status | None = None
    type: str | None = None
    page: int = 1


@dataclass(slots=True)
class ProducedRow:
    """One object: its latest visible version, its state, the coordinator's reason, and sightings."""

    version: ObjectVersion
    body: dict[str, Any]
    status: Status
    reason: str | None = None
    sightings: int = 0


@dataclass(slots=True)
class ProducedPage:
    """A page of rows, newest first, with the total and how many objects are in each state."""

    rows: list[ProducedRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    by_status: dict[Status, int] = field(default_factory=dict)


def may_see_org(p: Principal) -> bool:
    """Whether `p` may open the organisation view: its admins (and coordinators, for their own)."""
    return p.org_id is not None and may_manage_org(p, p.org_id)


def produced(session: Session, p: Principal, wanted: Wanted) -> ProducedPage:
    """One page of what `p` (or `p`'s organisation) produced. :raises PermissionDenied: the organisation
    view for someone who is not its admin."""
    if wanted.scope is Scope.ORG and not may_see_org(p):
        raise PermissionDenied("only the organisation's admins see everything it shared")
    if not p.org_active or p.org_id is None or p.user_id is None:
        return ProducedPage()
    status = _status()
    base = select(ObjectVersion.id).where(*_mine(p, wanted))
    by_status = {
        Status(name): count
        for name, count in session.execute(
            select(status, func.count()).select_from(ObjectVersion).where(*_mine(p, wanted)).group_by(status)
        )
    }
    if wanted.status is not None:
        base = base.where(status == wanted.status.value)
    total = by_status.get(wanted.status, 0) if wanted.status else sum(by_status.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(wanted.page, 1), pages)
    query = (
        select(ObjectVersion, status)
        .where(ObjectVersion.id.in_(base.scalar_subquery()))
        .order_by(ObjectVersion.date_added.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = [ProducedRow(v, _body(v.body), Status(name)) for v, name in session.execute(query)]
    _add_context(session, p, rows)
    return ProducedPage(rows, total, page, pages, by_status)


def _mine(p: Principal, wanted: Wanted) -> list[ColumnElement[bool]]:
    """Latest visible versions produced by `p`'s organisation (and written by `p`, for "mine")."""
    conditions = [visible(p), is_last_visible(p), own(p)]
    if wanted.scope is Scope.MINE:
        conditions.append(ObjectVersion.author_id == p.user_id)
    if wanted.type:
        conditions.append(ObjectVersion.type == wanted.type)
    return conditions


def _status() -> ColumnElement[str]:
    """The state of a version as one word, in SQL (so filters and counts agree with the rows)."""
    rejected = exists().where(
        AuditEvent.action == REJECT,
        AuditEvent.target_type == "object",
        AuditEvent.target_id == ObjectVersion.stix_id,
    )
    withdrawn = ObjectVersion.state == int(State.WITHDRAWN)
    return case(
        (ObjectVersion.state == int(State.QUARANTINED), Status.QUARANTINED.value),
        (and_(withdrawn, rejected), Status.REJECTED.value),
        (withdrawn, Status.WITHDRAWN.value),
        (ObjectVersion.body.contains(REVOKED, autoescape=True), Status.REVOKED.value),
        else_=Status.PUBLISHED.value,
    )


def _add_context(session: Session, p: Principal, rows: list[ProducedRow]) -> None:
    """The coordinators' reasons for rejected and withdrawn rows, and the sightings of indicators."""
    refused = {row.version.stix_id for row in rows if row.status in (Status.REJECTED, Status.WITHDRAWN)}
    reasons: dict[str, str | None] = {}
    if refused:
        events = session.execute(
            select(AuditEvent.target_id, AuditEvent.reason)
            .where(AuditEvent.action.in_((REJECT, WITHDRAW)), AuditEvent.target_id.in_(sorted(refused)))
            .order_by(AuditEvent.id)
        )
        reasons = {target: reason for target, reason in events}  # the latest decision wins
    places = {
        (row.version.collection_id, row.version.stix_id) for row in rows if row.version.type == "indicator"
    }
    sightings = visible_sightings(session, p, places) if places else {}
    for row in rows:
        row.reason = reasons.get(row.version.stix_id)
        row.sightings = sightings.get((row.version.collection_id, row.version.stix_id), (0, 0))[0]


def _body(text: str) -> dict[str, Any]:
    value = orjson.loads(text)
    return value if isinstance(value, dict) else {}
