"""Coordinators' channel management: edit collections and their rules, and the members of sharing groups.

Rule texts that cannot be read, or that name nobody known, raise `InvalidInput` whose message names the rule.
A change to rules or group members that would let its coordinator read more than before raises
`NeedsSecondCoordinator` and is undone (`hub.policy.admin_actions`; `hub.approvals` turns it into a proposal).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import get_or_raise
from hub.errors import InvalidInput, NotFound
from hub.orgs.models import Organisation, SharingGroup, User
from hub.orgs.service import add_group, get_org
from hub.policy.admin_actions import without_widening
from hub.policy.principal import Principal
from hub.policy.roles import require_coordinator
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.sharing.service import add_collection, get_collection, list_collections, set_rules


@dataclass(frozen=True, slots=True)
class RuleTargets:
    """What a rule may name, for coordinators to tick instead of typing: organisations and groups by name,
    active people as (email, organisation name)."""

    orgs: list[str]
    groups: list[str]
    users: list[tuple[str, str]]


def rule_targets(session: Session, p: Principal) -> RuleTargets:
    """Every organisation, sharing group and active person a rule may name, sorted by name."""
    require_coordinator(p)
    orgs = list(session.scalars(select(Organisation.name).order_by(Organisation.name)))
    groups = list(session.scalars(select(SharingGroup.name).order_by(SharingGroup.name)))
    users = session.execute(
        select(User.email, Organisation.name)
        .join(Organisation, Organisation.id == User.org_id)
        .where(User.is_active.is_(True))
        .order_by(User.email)
    ).all()
    return RuleTargets(orgs, groups, [(email, org) for email, org in users])


def rule_lines(text: str) -> list[str]:
    """One entry per line (names may contain commas); blank lines are ignored."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def collections(session: Session, p: Principal) -> list[Collection]:
    """Every collection."""
    require_coordinator(p)
    return list_collections(session)


def collection(session: Session, p: Principal, collection_id: str) -> Collection:
    """Any collection, by id or alias."""
    require_coordinator(p)
    return get_collection(session, collection_id)


def create_collection(
    session: Session,
    p: Principal,
    title: str,
    description: str,
    alias: str | None,
    default_tlp: Tlp,
    read: str,
    write: str,
) -> Collection:
    """A new collection with rules written one per line."""
    require_coordinator(p)
    try:
        return add_collection(
            session,
            p,
            title,
            description=description.strip(),
            alias=alias or None,
            read=rule_lines(read),
            write=rule_lines(write),
            default_tlp=default_tlp,
        )
    except NotFound as exc:
        raise InvalidInput(f"a rule names something unknown: {exc.message}") from None


def update_collection(
    session: Session,
    p: Principal,
    collection_id: str,
    title: str,
    description: str,
    default_tlp: Tlp,
    read: str,
    write: str,
) -> Collection:
    """Change a collection's title, description, default TLP and rules; audited.
    :raises NeedsSecondCoordinator: the change would let `p` read more (nothing is changed)."""
    target = collection(session, p, collection_id)
    if not title.strip():
        raise InvalidInput("a collection needs a title")
    return without_widening(
        session, p, lambda: _update(session, p, target, title, description, default_tlp, read, write)
    )


def _update(
    session: Session,
    p: Principal,
    target: Collection,
    title: str,
    description: str,
    default_tlp: Tlp,
    read: str,
    write: str,
) -> Collection:
    before = _described(target)
    target.title, target.description = title.strip(), description.strip()
    target.default_tlp = int(default_tlp)
    after = _described(target)
    if before != after:
        record(session, p, "collection.edit", "collection", target.id, before=before, after=after)
    try:
        set_rules(session, p, target, rule_lines(read), rule_lines(write))
    except NotFound as exc:
        raise InvalidInput(f"a rule names something unknown: {exc.message}") from None
    return target


def _described(target: Collection) -> dict[str, str]:
    return {
        "title": target.title,
        "description": target.description,
        "default_tlp": Tlp(target.default_tlp).label,
    }


def groups(session: Session, p: Principal) -> list[SharingGroup]:
    """Every sharing group, by name."""
    require_coordinator(p)
    return list(session.scalars(select(SharingGroup).order_by(SharingGroup.name)))


def group(session: Session, p: Principal, group_id: int) -> SharingGroup:
    """One sharing group."""
    require_coordinator(p)
    return get_or_raise(session, SharingGroup, group_id, f"no sharing group with id {group_id}")


def create_group(session: Session, p: Principal, name: str, members: str) -> SharingGroup:
    """A new sharing group of organisations named one per line."""
    require_coordinator(p)
    try:
        return add_group(session, p, name, rule_lines(members))
    except NotFound as exc:
        raise InvalidInput(exc.message) from None


def set_group_members(session: Session, p: Principal, group_id: int, members: str) -> SharingGroup:
    """Replace a group's members (organisation names, one per line); audited.
    :raises NeedsSecondCoordinator: the change would let `p` read more (nothing is changed)."""
    target = group(session, p, group_id)
    return without_widening(session, p, lambda: _set_members(session, p, target, members))


def _set_members(session: Session, p: Principal, target: SharingGroup, members: str) -> SharingGroup:
    try:
        orgs = [get_org(session, name) for name in rule_lines(members)]
    except NotFound as exc:
        raise InvalidInput(exc.message) from None
    before = sorted(o.name for o in target.orgs)
    target.orgs = list({o.id: o for o in orgs}.values())
    session.flush()
    record(
        session,
        p,
        "group.set-members",
        "sharing-group",
        target.id,
        before=before,
        after=sorted(o.name for o in target.orgs),
    )
    return target
