"""Collection access rules: parsing the text form (`tier:vetted`, `org:NAME`...) and matching them in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select

from hub.orgs.models import Organisation, OrgStatus, Tier, User, group_members
from hub.policy.principal import Principal
from hub.sharing.models import AccessRule, Mode, RuleKind


class RuleSyntaxError(ValueError):
    """A rule that cannot be read; the message says what forms exist."""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as written by people, before its target is resolved to a row id."""

    kind: RuleKind
    target: str | None = None

    def __str__(self) -> str:
        return self.kind.value if self.target is None else f"{self.kind.value}:{self.target}"


RULE_FORMS = "public, tier:registered|vetted|trusted, org:NAME, group:NAME, user:EMAIL"


def parse_rule(text: str, mode: Mode) -> RuleSpec:
    """Read one rule; `public` is refused for writing."""
    kind_text, sep, target = text.strip().partition(":")
    try:
        kind = RuleKind(kind_text.strip().lower())
    except ValueError:
        raise RuleSyntaxError(f"unknown rule {text!r}; rules are {RULE_FORMS}") from None
    if kind is RuleKind.PUBLIC:
        if sep:
            raise RuleSyntaxError(f"rule {text!r}: 'public' takes no target")
        if mode is Mode.WRITE:
            raise RuleSyntaxError("'public' can only be a read rule: anonymous users never write")
        return RuleSpec(kind)
    target = target.strip()
    if not target:
        raise RuleSyntaxError(f"rule {text!r} needs a target, as in {kind.value}:…; rules are {RULE_FORMS}")
    if kind is RuleKind.TIER:
        try:
            Tier.parse(target)
        except ValueError as exc:
            raise RuleSyntaxError(f"rule {text!r}: {exc}") from None
        target = target.lower()
    if kind is RuleKind.USER:
        target = target.lower()
    return RuleSpec(kind, target)


def rule_matches(p: Principal, mode: Mode) -> ColumnElement[bool]:
    """SQL condition: this `AccessRule` row (of the given mode) matches principal `p`.

    Suspended organisations, and their users, match nothing but `public`; `public` never grants writing.
    """
    clauses: list[ColumnElement[bool]] = []
    if mode is Mode.READ:
        clauses.append(AccessRule.kind == RuleKind.PUBLIC.value)
    if p.org_active and p.tier is not None:
        clauses.append(and_(AccessRule.kind == RuleKind.TIER.value, AccessRule.tier <= int(p.tier)))
        clauses.append(and_(AccessRule.kind == RuleKind.ORG.value, AccessRule.org_id == p.org_id))
        member_of = select(group_members.c.group_id).where(group_members.c.org_id == p.org_id)
        clauses.append(and_(AccessRule.kind == RuleKind.GROUP.value, AccessRule.group_id.in_(member_of)))
        clauses.append(and_(AccessRule.kind == RuleKind.USER.value, AccessRule.user_id == p.user_id))
    if not clauses:
        return false()
    return and_(AccessRule.mode == mode.value, or_(*clauses))


def rule_matches_user(mode: Mode) -> ColumnElement[bool]:
    """SQL condition on an `AccessRule` row (of the given mode) and a `User` with its `Organisation` in the
    same query: the rule matches that user's principal.

    `rule_matches` seen from the other side: it starts from one principal and finds its rules; this starts
    from rules and finds whom they reach (the audience preview lists who gains and loses access from a rule
    change). The same cases hold: an inactive user, or one of a suspended organisation, is anonymous and
    matches only `public`; `public` never grants writing. `tests/policy/test_preview_property.py` checks
    both against the plain-Python reference over random worlds.
    """
    member_of = (
        select(group_members.c.group_id)
        .where(group_members.c.org_id == Organisation.id)
        .correlate(Organisation)
    )
    reached = and_(
        User.is_active.is_(True),
        Organisation.status == OrgStatus.ACTIVE.value,
        or_(
            and_(AccessRule.kind == RuleKind.TIER.value, AccessRule.tier <= Organisation.tier),
            and_(AccessRule.kind == RuleKind.ORG.value, AccessRule.org_id == Organisation.id),
            and_(AccessRule.kind == RuleKind.GROUP.value, AccessRule.group_id.in_(member_of)),
            and_(AccessRule.kind == RuleKind.USER.value, AccessRule.user_id == User.id),
        ),
    )
    if mode is Mode.READ:
        reached = or_(AccessRule.kind == RuleKind.PUBLIC.value, reached)
    return and_(AccessRule.mode == mode.value, reached)
