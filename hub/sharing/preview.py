"""The audience preview: who gains and who loses access if a channel is created, or its rules changed, as
proposed — shown before anything is saved.

The proposed rules are written inside a savepoint, read back through the policy's own rule
(`hub.policy.rules.rule_matches_user`) and the savepoint is rolled back: nothing is saved, no audit entry or
notification survives, and the rules are resolved exactly as saving would resolve them (an unknown name is
refused in the same words). The same savepoint answers whether the change would widen the coordinator's own
reach (`hub.policy.admin_actions.reach_widened`), in which case saving turns it into a proposal.

What it shows is organisation-level audience, which coordinators may see: organisation names and how many of
their active people gain or lose access, and whether anonymous visitors do. It names no person and reads no
object.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import InvalidInput, NotFound
from hub.orgs.models import Organisation, OrgStatus, User
from hub.policy.admin_actions import current_reach, reach_widened
from hub.policy.principal import Principal
from hub.policy.roles import require_coordinator
from hub.policy.rules import rule_matches_user
from hub.policy.tlp import Tlp
from hub.sharing.channels import collection, rule_lines
from hub.sharing.models import AccessRule, Mode, RuleKind
from hub.sharing.service import add_collection, set_rules


@dataclass(frozen=True, slots=True)
class OrgShift:
    """An organisation and how many of its active people gain (or lose) access."""

    name: str
    people: int


@dataclass(frozen=True, slots=True)
class AccessShift:
    """What changes for one mode (read or write): organisations gaining and losing it, by name, and whether
    anyone without an account gains or loses it (`public`, read only)."""

    gains: tuple[OrgShift, ...]
    loses: tuple[OrgShift, ...]
    public_before: bool = False
    public_after: bool = False

    @property
    def unchanged(self) -> bool:
        """Nobody gains or loses this access."""
        return not self.gains and not self.loses and self.public_before == self.public_after


@dataclass(frozen=True, slots=True)
class RulePreview:
    """The effect of proposed rules: reading, writing, and whether saving would make a proposal."""

    read: AccessShift
    write: AccessShift
    widens_own_reach: bool


@dataclass(frozen=True, slots=True)
class _Access:
    """Who has one mode of access to a collection: user id -> organisation name, and `public`."""

    users: dict[int, str]
    public: bool


def preview_new(
    session: Session, p: Principal, title: str, alias: str | None, read: str, write: str
) -> RulePreview:
    """Who would read and write a new channel with these rules (nobody does before it exists).

    :raises InvalidInput: a rule that cannot be read or names nobody known. :raises Conflict: alias taken.
    """
    require_coordinator(p)

    def create() -> str:
        made = add_collection(
            session,
            p,
            title.strip() or "preview",
            alias=alias or None,
            read=rule_lines(read),
            write=rule_lines(write),
            default_tlp=Tlp.AMBER,
        )
        return made.id

    return _in_savepoint(session, p, None, create, guarded=False)


def preview_update(session: Session, p: Principal, collection_id: str, read: str, write: str) -> RulePreview:
    """Who would gain and lose access if the channel's rules became `read` and `write` (one per line).

    :raises InvalidInput: a rule that cannot be read or names nobody known. :raises NotFound: no channel.
    """
    target = collection(session, p, collection_id)

    def change() -> str:
        set_rules(session, p, target, rule_lines(read), rule_lines(write))
        return target.id

    return _in_savepoint(session, p, target.id, change)


def _in_savepoint(
    session: Session,
    p: Principal,
    collection_id: str | None,
    change: Callable[[], str],
    *,
    guarded: bool = True,
) -> RulePreview:
    """Make `change` inside a savepoint, compare access before and after, and roll it back whatever happens.

    `guarded`: saving the change passes the two-person rule (an edit does; creating a channel, which holds
    nothing yet, does not), so say whether it would widen `p`'s reach."""
    nobody = _Access({}, False)
    reach_before = current_reach(session, p)
    read_before, write_before = (
        (_access(session, collection_id, Mode.READ), _access(session, collection_id, Mode.WRITE))
        if collection_id is not None
        else (nobody, nobody)
    )
    savepoint = session.begin_nested()
    try:
        changed_id = change()
        read_after = _access(session, changed_id, Mode.READ)
        write_after = _access(session, changed_id, Mode.WRITE)
        widens = guarded and reach_widened(reach_before, current_reach(session, p))
    except NotFound as exc:
        raise InvalidInput(f"a rule names something unknown: {exc.message}") from None
    finally:
        savepoint.rollback()
    return RulePreview(_shift(read_before, read_after), _shift(write_before, write_after), widens)


def _access(session: Session, collection_id: str, mode: Mode) -> _Access:
    reaches = (
        select(AccessRule.id)
        .where(AccessRule.collection_id == collection_id, rule_matches_user(mode))
        .correlate(User, Organisation)
        .exists()
    )
    people = select(User.id, Organisation.name).join(Organisation, Organisation.id == User.org_id)
    # Counted as people of an organisation: active users of active organisations. The others are anonymous
    # to the rule, and what anonymous visitors gain or lose is `public`.
    rows = session.execute(
        people.where(User.is_active.is_(True), Organisation.status == OrgStatus.ACTIVE.value, reaches)
    ).all()
    public = mode is Mode.READ and (
        session.scalar(
            select(AccessRule.id).where(
                AccessRule.collection_id == collection_id,
                AccessRule.mode == Mode.READ.value,
                AccessRule.kind == RuleKind.PUBLIC.value,
            )
        )
        is not None
    )
    return _Access({user_id: name for user_id, name in rows}, public)


def _shift(before: _Access, after: _Access) -> AccessShift:
    def by_org(user_ids: set[int], names: dict[int, str]) -> tuple[OrgShift, ...]:
        counts = Counter(names[user_id] for user_id in user_ids)
        return tuple(OrgShift(name, counts[name]) for name in sorted(counts, key=str.casefold))

    gained = set(after.users) - set(before.users)
    lost = set(before.users) - set(after.users)
    return AccessShift(by_org(gained, after.users), by_org(lost, before.users), before.public, after.public)
