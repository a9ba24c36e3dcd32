"""A counter in the database that every change to who may read or write what moves forward.

Resolved principals are cached per token (`hub.policy.principal_cache`); a cached one may be used only while
this counter has not moved. It lives in the database, bumped in the same transaction as the change, so every
worker process and every hub instance on the database sees the change on its very next request: a revoked
token, a suspended organisation, a lowered tier, a changed rule or group membership take effect at once.

What moves it (`_bumps`): inserting or deleting any user, organisation, API token, sharing group, group
membership, access rule or collection, and changing any of their columns that the principal is built from
(tier, status, role, activity, email, token scope, expiry, revocation, group members, rules). Bookkeeping
columns that change on ordinary requests (a token's `last_used_at`, a user's `last_seen_at` and login
counters, a collection's `last_date_added`) do not, or every poll would empty the caches. ORM changes are
seen in `before_flush`, bulk `UPDATE`/`DELETE`/`INSERT` statements run through a session in
`do_orm_execute`; a change made outside the ORM (psql) is picked up when the cache entry expires.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, Select, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, scoped_session

from hub import reads
from hub.db import Base
from hub.orgs.models import ApiToken, Organisation, SharingGroup, User, group_members
from hub.sharing.models import AccessRule, Collection

ROW_ID = 1
# Per model, the attributes a principal or a token's grant is built from; None: every change counts.
WATCHED: dict[type[Any], tuple[str, ...] | None] = {
    ApiToken: ("user_id", "token_hash", "expires_at", "revoked_at", "scope", "collections", "user"),
    User: ("email", "org_id", "role", "is_active", "org"),
    Organisation: ("tier", "status", "groups", "users"),
    SharingGroup: ("orgs",),
    AccessRule: None,
    Collection: ("rules",),
}
WATCHED_TABLES = frozenset(
    {
        "api_tokens",
        "users",
        "organisations",
        "sharing_groups",
        group_members.name,
        "access_rules",
        "collections",
    }
)


class PolicyVersion(Base):
    """The single row holding the counter."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def current(session: Session | scoped_session[Session]) -> int:
    """The counter now (0 before the first change). Read on every TAXII and API request: a prebuilt Core
    statement on the request's read connection (`hub.reads`) or else the session's, without the ORM's
    per-statement work."""
    return reads.connection(session).execute(_CURRENT).scalar() or 0


_CURRENT = select(PolicyVersion.__table__.c.value).where(PolicyVersion.__table__.c.id == ROW_ID)


def current_statement() -> Select[tuple[int]]:
    """The statement `current` runs, for a statement that reads the version along with its rows."""
    return _CURRENT


def bump(connection: Connection) -> None:
    """Move the counter forward in the caller's transaction (creating its row when it is missing)."""
    moved = connection.execute(
        update(PolicyVersion).where(PolicyVersion.id == ROW_ID).values(value=PolicyVersion.value + 1)
    )
    if moved.rowcount == 0:
        connection.execute(insert(PolicyVersion).values(id=ROW_ID, value=1))


def _changed(obj: Any, names: tuple[str, ...] | None) -> bool:
    if names is None:
        return True
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _bumps(session: Session) -> bool:
    """True when the pending changes of `session` touch anything a principal is built from."""
    for obj in (*session.new, *session.deleted):
        if type(obj) in WATCHED:
            return True
    return any(type(obj) in WATCHED and _changed(obj, WATCHED[type(obj)]) for obj in session.dirty)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _bumps(session):
        bump(session.connection())


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in WATCHED_TABLES and not (name == "collections" and state.is_update):
        bump(state.session.connection())
