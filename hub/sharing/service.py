"""Collections and their rules: creating channels, describing rules, and listing what a principal may use."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.errors import Conflict, InvalidInput, NotFound
from hub.orgs.models import Tier
from hub.orgs.service import get_group, get_org, get_user
from hub.policy.principal import Principal
from hub.policy.rules import RuleSpec, RuleSyntaxError, parse_rule
from hub.policy.tlp import Tlp
from hub.sharing.models import AccessRule, Collection, Mode, RuleKind


def add_collection(
    session: Session,
    actor: Principal | None,
    title: str,
    *,
    description: str = "",
    alias: str | None = None,
    read: list[str] | None = None,
    write: list[str] | None = None,
    default_tlp: Tlp = Tlp.AMBER,
    collection_id: str | None = None,
) -> Collection:
    """Create a collection with its rules. :raises InvalidInput: bad rule. :raises NotFound: unknown target.
    :raises Conflict: alias taken."""
    title = title.strip()
    if not title:
        raise InvalidInput("a collection needs a title")
    alias = alias.strip() if alias else None
    if alias and session.scalar(select(Collection.id).where(Collection.alias == alias)) is not None:
        raise Conflict(f"a collection with alias {alias!r} already exists")
    collection = Collection(
        id=collection_id or str(uuid.uuid4()),
        title=title,
        description=description,
        alias=alias,
        default_tlp=int(default_tlp),
        last_date_added=0,
    )
    collection.rules = _build_rules(session, read or [], Mode.READ) + _build_rules(
        session, write or [], Mode.WRITE
    )
    session.add(collection)
    session.flush()
    record(
        session,
        actor,
        "collection.add",
        "collection",
        collection.id,
        read=[rule_text(r) for r in collection.rules if r.mode == Mode.READ],
        write=[rule_text(r) for r in collection.rules if r.mode == Mode.WRITE],
    )
    return collection


def set_rules(
    session: Session, actor: Principal | None, collection: Collection, read: list[str], write: list[str]
) -> None:
    """Replace a collection's rules; the before and after are audited."""
    before = [f"{r.mode} {rule_text(r)}" for r in collection.rules]
    rules = _build_rules(session, read, Mode.READ) + _build_rules(session, write, Mode.WRITE)
    collection.rules.clear()
    session.flush()
    collection.rules.extend(rules)
    session.flush()
    record(
        session,
        actor,
        "collection.set-rules",
        "collection",
        collection.id,
        before=before,
        after=[f"{r.mode} {rule_text(r)}" for r in collection.rules],
    )


def get_collection(session: Session, collection_id: str) -> Collection:
    """A collection by id or alias, with no access check (for operators and services)."""
    collection = session.get(Collection, collection_id) or session.scalar(
        select(Collection).where(Collection.alias == collection_id)
    )
    if collection is None:
        raise NotFound(f"no collection {collection_id!r}")
    return collection


def get_collection_for(session: Session, p: Principal, collection_id: str) -> Collection:
    """A collection the principal may read or write; others are answered as if they did not exist."""
    collection = session.get(Collection, collection_id)
    if collection is None or collection.id not in p.known:
        raise NotFound(f"no collection {collection_id!r}")
    return collection


def list_collections_for(session: Session, p: Principal) -> list[Collection]:
    """The collections a principal may read or write, in a stable order (title, then id)."""
    ids = sorted(p.known)
    if not ids:
        return []
    return list(
        session.scalars(
            select(Collection).where(Collection.id.in_(ids)).order_by(Collection.title, Collection.id)
        )
    )


def list_collections(session: Session) -> list[Collection]:
    """Every collection (operators and coordinators)."""
    return list(session.scalars(select(Collection).order_by(Collection.title, Collection.id)))


def rule_text(rule: AccessRule) -> str:
    """The text form of a stored rule, e.g. `tier:vetted` or `org:Access Now`."""
    kind = RuleKind(rule.kind)
    if kind is RuleKind.PUBLIC:
        return "public"
    if kind is RuleKind.TIER:
        return f"tier:{Tier(rule.tier or 0).label}"
    if kind is RuleKind.ORG:
        return f"org:{rule.org.name if rule.org else rule.org_id}"
    if kind is RuleKind.GROUP:
        return f"group:{rule.group.name if rule.group else rule.group_id}"
    return f"user:{rule.user.email if rule.user else rule.user_id}"


def _build_rules(session: Session, texts: list[str], mode: Mode) -> list[AccessRule]:
    rules: list[AccessRule] = []
    seen: set[str] = set()
    for text in texts:
        try:
            spec = parse_rule(text, mode)
        except RuleSyntaxError as exc:
            raise InvalidInput(str(exc)) from None
        if str(spec) in seen:
            continue
        seen.add(str(spec))
        rules.append(_resolve(session, spec, mode))
    return rules


def _resolve(session: Session, spec: RuleSpec, mode: Mode) -> AccessRule:
    rule = AccessRule(mode=mode.value, kind=spec.kind.value)
    target = spec.target or ""
    if spec.kind is RuleKind.TIER:
        rule.tier = int(Tier.parse(target))
    elif spec.kind is RuleKind.ORG:
        rule.org = get_org(session, target)
    elif spec.kind is RuleKind.GROUP:
        rule.group = get_group(session, target)
    elif spec.kind is RuleKind.USER:
        rule.user = get_user(session, target)
    return rule
