"""Resolve a user (or nobody) into a `Principal`: one query over the access rules, once per request."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, scoped_session

from hub.orgs.models import OrgStatus, Role, Tier, User
from hub.policy.principal import ANONYMOUS_BASE, Principal
from hub.policy.rules import rule_matches
from hub.sharing.models import AccessRule, Mode, RuleKind


def principal_for(session: Session | scoped_session[Session], user: User | None) -> Principal:
    """The principal for a logged-in user, or the anonymous principal when `user` is None or inactive."""
    if user is None or not user.is_active:
        base = ANONYMOUS_BASE
    else:
        org = user.org
        base = Principal(
            user_id=user.id,
            org_id=org.id,
            email=user.email,
            role=Role(user.role),
            tier=Tier(org.tier),
            org_active=org.status == OrgStatus.ACTIVE,
        )
    return resolve_collections(session, base)


def resolve_collections(session: Session | scoped_session[Session], base: Principal) -> Principal:
    """Fill in the collections the principal may read and write, and those whose read rules name it."""
    rows = session.execute(
        select(AccessRule.collection_id, AccessRule.kind, AccessRule.mode).where(
            or_(rule_matches(base, Mode.READ), rule_matches(base, Mode.WRITE))
        )
    ).all()
    read_rows = [row for row in rows if row.mode == Mode.READ.value]
    return replace(
        base,
        readable=frozenset(row.collection_id for row in read_rows),
        named=frozenset(row.collection_id for row in read_rows if row.kind == RuleKind.USER.value),
        writable=frozenset(row.collection_id for row in rows if row.mode == Mode.WRITE.value),
    )
