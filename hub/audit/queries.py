"""Reading the audit log (coordinators only): filter by actor, organisation, object, action, date; paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from hub.audit.models import AuditEvent
from hub.orgs.models import Organisation, User
from hub.policy.auditing import audit_readable
from hub.policy.principal import Principal
from hub.stix.query import Page


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Every field narrows the log; empty fields match everything.

    `actor`: part of the acting user's email. `org`: part of an organisation's name, matching events about
    it or done by its users. `org_id`: exactly that organisation (the history page). `target`: the object's
    id exactly (a STIX id, a collection id, a user id...). `action`: an action or its prefix (`org.` matches
    `org.set-tier`). `since` / `until`: inclusive dates (UTC).
    """

    actor: str = ""
    org: str = ""
    org_id: int | None = None
    target: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An event with the names people read instead of ids."""

    event: AuditEvent
    actor_email: str | None
    actor_org: str | None
    org: str | None


def list_events(
    session: Session, p: Principal, f: AuditFilter, limit: int = 50, before: int | None = None
) -> Page[AuditRow]:
    """Matching events, newest first, keyset-paged on the event id (`before` is exclusive).

    :raises PermissionDenied: unless `p` may read the log (`hub.policy.auditing`).
    """
    query = _query(f).where(audit_readable(p))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    items = [AuditRow(event, email, actor_org, org) for event, email, actor_org, org in rows]
    return Page.from_rows(items, limit, lambda row: row.event.id)


def all_events(session: Session, p: Principal, f: AuditFilter, limit: int) -> list[AuditRow]:
    """Matching events, newest first, at most `limit` (the CSV export)."""
    query = _query(f).where(audit_readable(p)).order_by(AuditEvent.id.desc()).limit(limit)
    return [AuditRow(event, email, actor_org, org) for event, email, actor_org, org in session.execute(query)]


def count_events(session: Session, p: Principal, f: AuditFilter) -> int:
    """How many events match."""
    inner = _query(f).where(audit_readable(p)).with_only_columns(AuditEvent.id).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def _query(f: AuditFilter) -> Select[AuditEvent, str, str, str]:
    actor_org = aliased(Organisation)
    concerned = aliased(Organisation)
    query = (
        select(AuditEvent, User.email, actor_org.name, concerned.name)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(actor_org, actor_org.id == AuditEvent.actor_org_id)
        .outerjoin(concerned, concerned.id == AuditEvent.org_id)
    )
    if f.actor.strip():
        query = query.where(func.lower(User.email).contains(f.actor.strip().lower(), autoescape=True))
    if f.org.strip():
        needle = f.org.strip().lower()
        query = query.where(
            or_(
                func.lower(actor_org.name).contains(needle, autoescape=True),
                func.lower(concerned.name).contains(needle, autoescape=True),
            )
        )
    if f.org_id is not None:
        query = query.where(AuditEvent.org_id == f.org_id)
    if f.target.strip():
        query = query.where(AuditEvent.target_id == f.target.strip())
    if f.action.strip():
        query = query.where(AuditEvent.action.startswith(f.action.strip(), autoescape=True))
    if f.since is not None:
        query = query.where(AuditEvent.at >= datetime.combine(f.since, time.min))
    if f.until is not None:
        query = query.where(AuditEvent.at < datetime.combine(f.until + timedelta(days=1), time.min))
    return query
