"""Resolve a user (or nobody) into a `Principal`: one query per rule mode, once per request."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.orgs.models import OrgStatus, Role, Tier, User, group_members
from hub.policy.principal import ANONYMOUS_BASE, Principal
from hub.policy.rules import rule_matches
from hub.sharing.models import AccessRule, Mode, RuleKind


def principal_for(session: Session, user: User | None) -> Principal:
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
            group_ids=frozenset(
                session.scalars(select(group_members.c.group_id).where(group_members.c.org_id == org.id))
            ),
        )
    return resolve_collections(session, base)


def resolve_collections(session: Session, base: Principal) -> Principal:
    """Fill in the collections the principal may read and write, and those whose read rules name it."""
    read_rows = session.execute(
        select(AccessRule.collection_id, AccessRule.kind).where(rule_matches(base, Mode.READ))
    ).all()
    writable = session.scalars(select(AccessRule.collection_id).where(rule_matches(base, Mode.WRITE)))
    return replace(
        base,
        readable=frozenset(row.collection_id for row in read_rows),
        named=frozenset(row.collection_id for row in read_rows if row.kind == RuleKind.USER.value),
        writable=frozenset(writable),
    )
