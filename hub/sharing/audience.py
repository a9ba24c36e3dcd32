"""Who can read what a collection holds at a TLP level: counts by tier (and names, for coordinators' eyes).

This follows the visibility rule for a published object of another organisation: the collection's read rules,
then the TLP gate (CLEAR: every reader; GREEN to AMBER+STRICT: vetted organisations; RED: named users only).
Suspended organisations and deactivated users read nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from hub.orgs.models import Organisation, OrgStatus, Tier, User, group_members
from hub.policy.tlp import Tlp
from hub.sharing.models import AccessRule, Collection, Mode, RuleKind


@dataclass(frozen=True, slots=True)
class Audience:
    """The readers of objects at `tlp` in one collection.

    `public`: anyone, even without an account. `by_tier`: how many organisations at each tier (label ->
    count). `org_names`: the organisations, by name (show them to coordinators only). `named_users`: people
    named by `user:` rules who may read TLP:RED.
    """

    tlp: Tlp
    public: bool
    by_tier: dict[str, int] = field(default_factory=dict)
    org_names: list[str] = field(default_factory=list)
    named_users: int = 0

    @property
    def org_count(self) -> int:
        """How many organisations can read."""
        return len(self.org_names)


def audience(session: Session, collection: Collection, tlp: Tlp) -> Audience:
    """Who can read a published object marked `tlp` in `collection` (producers always read their own)."""
    rules = [r for r in collection.rules if r.mode == Mode.READ]
    user_ids = sorted(r.user_id for r in rules if r.kind == RuleKind.USER and r.user_id is not None)
    readers: ColumnElement[bool]
    if tlp is Tlp.RED:
        named = (
            select(User.org_id)
            .join(Organisation)
            .where(
                User.id.in_(user_ids), User.is_active.is_(True), Organisation.status == OrgStatus.ACTIVE.value
            )
        )
        readers = Organisation.id.in_(named)
        named_users = len(session.scalars(named).all()) if user_ids else 0
    else:
        readers = _rule_condition(rules, user_ids)
        named_users = 0
    query = select(Organisation.name, Organisation.tier).where(
        Organisation.status == OrgStatus.ACTIVE.value, readers
    )
    if Tlp.CLEAR < tlp < Tlp.RED:
        query = query.where(Organisation.tier >= int(Tier.VETTED))
    rows = session.execute(query.order_by(Organisation.name)).all()
    by_tier = {t.label: sum(1 for row in rows if row.tier == t) for t in Tier}
    public = tlp is Tlp.CLEAR and any(r.kind == RuleKind.PUBLIC for r in rules)
    return Audience(tlp, public, by_tier, [row.name for row in rows], named_users)


def _rule_condition(rules: list[AccessRule], user_ids: list[int]) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    tiers = [r.tier for r in rules if r.kind == RuleKind.TIER and r.tier is not None]
    if any(r.kind == RuleKind.PUBLIC for r in rules):
        tiers.append(int(Tier.REGISTERED))
    if tiers:
        clauses.append(Organisation.tier >= min(tiers))
    org_ids = sorted(r.org_id for r in rules if r.kind == RuleKind.ORG and r.org_id is not None)
    if org_ids:
        clauses.append(Organisation.id.in_(org_ids))
    group_ids = sorted(r.group_id for r in rules if r.kind == RuleKind.GROUP and r.group_id is not None)
    if group_ids:
        clauses.append(
            Organisation.id.in_(select(group_members.c.org_id).where(group_members.c.group_id.in_(group_ids)))
        )
    if user_ids:
        clauses.append(
            Organisation.id.in_(select(User.org_id).where(User.id.in_(user_ids), User.is_active.is_(True)))
        )
    return or_(*clauses) if clauses else false()
