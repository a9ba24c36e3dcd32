"""The rule for administrative actions: no admin action widens its actor's own reach.

The people who run the hub must not be able to get around the visibility rule. Every administrative service
(tokens, password and second-factor resets, invitations, channel rules, sharing groups, tiers, suspensions,
applications) asks this module before it acts:

- **Credentials belong to their owner.** An API token is created by the user it authenticates, never by an
  admin for someone else (`require_own_token`); organisation admins and coordinators may list and revoke
  others' tokens, which only takes reach away. A password or invitation link is handed to the user's own
  channel only: the admin services return the link's row, never its secret (`hub.orgs.members`).
- **No change lets its actor read more.** A change to rules, groups or tiers is tried inside a savepoint, the
  actor's principal is resolved again from the changed rows, and if the actor could read more than before
  (`reach_widened`) the change is undone and `NeedsSecondCoordinator` raised: another coordinator, whose
  own reach the change does not widen, must approve it (`hub.approvals`). A coordinator's own organisation's
  tier is always a second coordinator's decision.

Why comparing principals is enough: `hub.policy.visibility.visible(p)` is monotone in what a principal
carries. A version becomes visible only through a collection becoming readable, a collection naming the
principal (`user:` rule), the organisation becoming vetted or active, the role becoming coordinator, or the
user or organisation id (authorship, production) changing. If none of those grew, no version became visible.
`tests/policy/test_admin_actions.py` checks this against the plain-Python reference over random worlds and
random sequences of admin actions.

Moving an account to another organisation (`hub.orgs.members.move_user`) is bringing a person into the
destination: only its own admins do it, as with invitations (a coordinator moving an account they control
into another organisation would read as its member), never oneself, and the moved account loses its tokens
and sessions.

The `hub` command is the operator's tool: whoever runs it holds the database anyway, so operators (the actor
`None` in services) are not limited here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from hub.errors import PermissionDenied
from hub.orgs.models import User
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for

T = TypeVar("T")


class NeedsSecondCoordinator(PermissionDenied):
    """The change would let its actor read more than before: a second coordinator must make it."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "this change would let you read more than you can now (a channel, a named reader's TLP:RED, "
            "or a higher tier); another coordinator must approve it"
        )


def reach_widened(before: Principal, after: Principal) -> bool:
    """True when `after` may read an object version `before` may not (see the module docstring for why)."""
    if (after.user_id, after.org_id) != (before.user_id, before.org_id) and not after.is_anonymous:
        return True
    return (
        not after.readable <= before.readable
        or not after.named <= before.named
        or (after.is_vetted and not before.is_vetted)
        or (after.is_coordinator and not before.is_coordinator)
        or (after.org_active and not before.org_active)
    )


def current_reach(session: Session, p: Principal) -> Principal:
    """The principal of `p`'s user as the rows say now (anonymous stays anonymous)."""
    user = session.get(User, p.user_id) if p.user_id is not None else None
    session.flush()
    return principal_for(session, user)


def without_widening(session: Session, actor: Principal | None, change: Callable[[], T]) -> T:
    """Make `change` and keep it only if the actor cannot read more afterwards.

    The change runs inside a savepoint; the actor's principal is resolved from the changed rows and compared
    with the one before. :raises NeedsSecondCoordinator: (the change is rolled back) when the reach grew.
    """
    if actor is None or actor.is_anonymous:
        return change()  # the operator at the command line
    before = current_reach(session, actor)
    savepoint = session.begin_nested()
    try:
        result = change()
        after = current_reach(session, actor)
    except BaseException:
        savepoint.rollback()
        raise
    if reach_widened(before, after):
        savepoint.rollback()
        raise NeedsSecondCoordinator()
    savepoint.commit()
    return result


def require_not_own_org(p: Principal | None, org_id: int) -> None:
    """A coordinator's own organisation's tier is decided by another coordinator.

    :raises NeedsSecondCoordinator:"""
    if p is not None and p.org_id == org_id:
        raise NeedsSecondCoordinator(
            "you cannot change your own organisation's tier; another coordinator must approve it"
        )


def require_own_token(p: Principal, owner_id: int) -> None:
    """API tokens are created by their owner only: a token for someone else would be their reach in the
    hands of whoever made it. :raises PermissionDenied:"""
    if p.is_anonymous or p.user_id != owner_id:
        raise PermissionDenied(
            "an API token can only be created by the person it belongs to; ask them to create it"
        )


def require_second_person(p: Principal, proposer_id: int | None) -> None:
    """A proposal is approved by someone other than who made it. :raises PermissionDenied:"""
    if p.user_id == proposer_id:
        raise PermissionDenied("you proposed this change; another coordinator must approve it")


def require_own_organisation_admin(p: Principal, org_id: int) -> None:
    """Inviting or moving someone into an organisation, or registering a webhook that speaks for it, hands
    that organisation's reach to whoever the admin names (a mailbox, a URL, an account they may control). Only
    its own admins do it (a coordinator for their own organisation): a coordinator doing it for another would
    read as its member.
    :raises PermissionDenied:"""
    if not (p.is_org_admin and p.org_id == org_id):
        raise PermissionDenied(
            "only this organisation's own admins may invite or move people into it or register its webhooks: "
            "an account, an invitation or a webhook there carries what the organisation may read"
        )
