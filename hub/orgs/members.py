"""Organisation admins' operations: invitations, deactivation, second-factor resets, listing and revoking
tokens.

Organisation admins act on their own organisation only; coordinators on any. Users and tokens of an
organisation the principal may not manage are answered as if they did not exist. No operation here hands
an admin a credential of someone else (`hub.policy.admin_actions`): invitation and password links go to the
user's own channel, and tokens are created by their owners (`hub.orgs.own_tokens`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import get_or_raise, utcnow
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.notify.accounts import send_account_link as send_account_link_mail
from hub.orgs.models import ApiToken, Organisation, Role, User
from hub.orgs.onboarding_models import Invite
from hub.orgs.service import add_user, set_password
from hub.orgs.tokens import revoke_token
from hub.policy.admin_actions import require_own_organisation_admin, without_widening
from hub.policy.principal import Principal
from hub.policy.roles import may_manage_coordinators, may_manage_org, require_org_admin

INVITE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    """A new invitation and its secret, which exists only here: only its hash is stored."""

    invite: Invite
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def get_org_for(session: Session, p: Principal, org_id: int) -> Organisation:
    """An organisation `p` may manage. :raises NotFound: no such organisation."""
    org = get_or_raise(session, Organisation, org_id, f"no organisation with id {org_id}")
    require_org_admin(p, org.id)
    return org


def list_users(session: Session, p: Principal, org_id: int) -> list[User]:
    """The organisation's users, by email."""
    org = get_org_for(session, p, org_id)
    return list(session.scalars(select(User).where(User.org_id == org.id).order_by(User.email)))


def get_user_for(session: Session, p: Principal, user_id: int) -> User:
    """A user `p` may manage; organisation admins never manage coordinators."""
    user = session.get(User, user_id)
    if user is None or not may_manage_org(p, user.org_id):
        raise NotFound(f"no user with id {user_id}")
    if user.role == Role.COORDINATOR and not may_manage_coordinators(p):
        raise PermissionDenied("only coordinators may manage a coordinator's account")
    return user


def _managed(session: Session, p: Principal | None, user_id: int) -> User:
    """The user `p` may manage, or any user for the operator at the command line (`p` None)."""
    if p is None:
        return get_or_raise(session, User, user_id, f"no user with id {user_id}")
    return get_user_for(session, p, user_id)


def invite_user(
    session: Session, p: Principal, org_id: int, email: str, role: str | Role = Role.MEMBER
) -> Invite:
    """Create a user without a password, and send them a one-time link (valid 7 days) to set it.

    :raises PermissionDenied: not an admin of this very organisation (a coordinator invites only into their
    own: the link goes to the address the admin typed), or an org admin inviting a coordinator.
    :raises InvalidInput: bad email or role. :raises Conflict: the email is taken.
    """
    org = get_org_for(session, p, org_id)
    require_own_organisation_admin(p, org.id)
    return invite_contact(session, p, org, email, role)


def invite_contact(session: Session, p: Principal, org: Organisation, email: str, role: str | Role) -> Invite:
    """`invite_user` without the own-organisation check, for approving an application: the address is the one
    the applicant gave, not one the coordinator chose. :raises PermissionDenied: an org admin inviting a
    coordinator."""
    if str(role) == Role.COORDINATOR and not may_manage_coordinators(p):
        raise PermissionDenied("only coordinators may invite coordinators")
    user = add_user(session, p, email, org, role)
    return send_account_link(session, p, user)


def reinvite_user(session: Session, p: Principal, user_id: int) -> Invite:
    """Send a fresh one-time link to an active user (a lost invitation or password); older links die."""
    user = get_user_for(session, p, user_id)
    if not user.is_active:
        raise InvalidInput("this account is deactivated; reactivate it first")
    return send_account_link(session, p, user)


def send_account_link(session: Session, p: Principal, user: User) -> Invite:
    """Issue a one-time link for `user` that reaches the user's own channel only; `p` gets the row, never the
    secret of someone else's link (whoever held it could choose the password and read as the user)."""
    issued = issue_invite(session, p, user)
    send_account_link_mail(session, user, issued.secret, "invite")  # to the user's own mailbox (hub.notify)
    return issued.invite


def issue_invite(session: Session, p: Principal | None, user: User) -> IssuedInvite:
    """A new one-time link (valid 7 days) for `user`; older unused links die.

    No permission check here: callers are the operator's command line, the applicant's own status page and
    `send_account_link`, which never shows the secret to an admin.
    """
    session.execute(delete(Invite).where(Invite.user_id == user.id, Invite.used_at.is_(None)))
    secret = secrets.token_urlsafe(32)
    invite = Invite(
        user=user,
        token_hash=_hash(secret),
        created_by_id=p.user_id if p else None,
        expires_at=utcnow() + INVITE_LIFETIME,
    )
    session.add(invite)
    session.flush()
    record(
        session,
        p,
        "user.invite",
        "user",
        user.id,
        org_id=user.org_id,
        role=user.role,
        expires=invite.expires_at.isoformat(timespec="seconds"),
    )
    return IssuedInvite(invite, secret)


def get_invite(session: Session, secret: str) -> Invite:
    """The unused, unexpired invitation with this secret, for an active user."""
    invite = session.scalar(select(Invite).where(Invite.token_hash == _hash(secret)))
    if (
        invite is None
        or invite.used_at is not None
        or invite.expires_at <= utcnow()
        or not invite.user.is_active
    ):
        raise NotFound(
            "this invitation link is unknown, used or expired; ask your organisation's admin for a new one"
        )
    return invite


def accept_invite(session: Session, secret: str, password: str) -> User:
    """Set the invited user's password and use up the link."""
    invite = get_invite(session, secret)
    set_password(invite.user, password)
    invite.used_at = utcnow()
    invite.user.failed_logins = 0
    invite.user.login_not_before = None
    record(session, None, "user.accept-invite", "user", invite.user_id, org_id=invite.user.org_id)
    return invite.user


def set_active(session: Session, p: Principal | None, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account; a deactivated user can neither log in nor use API tokens, and
    their open sessions end at their next request (`hub.accounts.service.session_fingerprint`)."""
    user = _managed(session, p, user_id)
    if p is not None and user.id == p.user_id and not active:
        raise InvalidInput("you cannot deactivate your own account")
    if user.is_active != active:
        user.is_active = active
        action = "user.activate" if active else "user.deactivate"
        record(session, p, action, "user", user.id, org_id=user.org_id)
    return user


def reset_second_factor(session: Session, p: Principal | None, user_id: int) -> User:
    """Remove a user's TOTP secret (a lost phone): they set up a new one at their next login, with their own
    password, which nobody else learns. Their open sessions end (the fingerprint covers the secret)."""
    user = _managed(session, p, user_id)
    user.totp_secret = None
    record(session, p, "user.totp-reset", "user", user.id, org_id=user.org_id)
    return user


def move_user(session: Session, p: Principal | None, user_id: int, org_id: int) -> User:
    """Move an account to another organisation, as a plain member; its API tokens are revoked and its sessions
    end, so nothing made under the old organisation's reach keeps working under the new one.

    Bringing a person into an organisation hands them its reach, like an invitation: only the destination's
    own admins do it (`require_own_organisation_admin`), and the operator at the command line. The change is
    kept only if the actor cannot read more afterwards (`without_widening`).
    :raises PermissionDenied: not an admin of the destination or not managing the account.
    :raises InvalidInput: already there, or moving oneself.
    """
    user = _managed(session, p, user_id)
    org = get_or_raise(session, Organisation, org_id, f"no organisation with id {org_id}")
    if p is not None:
        require_own_organisation_admin(p, org.id)
        if user.id == p.user_id:
            raise InvalidInput("you cannot move your own account; another admin or an operator must")
    if user.org_id == org.id:
        raise InvalidInput(f"{user.email} is already in {org.name}")
    return without_widening(session, p, lambda: _move(session, p, user, org))


def _move(session: Session, p: Principal | None, user: User, org: Organisation) -> User:
    old_org_id = user.org_id
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        revoke_token(session, p, token.id)
    user.org = org
    user.role = Role.MEMBER  # an admin of one organisation is nobody's admin in the next
    session.flush()
    record(session, p, "user.move", "user", user.id, org_id=org.id, from_org_id=old_org_id, to_org_id=org.id)
    return user


def list_tokens(session: Session, p: Principal, org_id: int) -> list[ApiToken]:
    """Every API token of the organisation's users (revoked ones too), newest first."""
    org = get_org_for(session, p, org_id)
    return list(
        session.scalars(
            select(ApiToken)
            .join(User)
            .where(User.org_id == org.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_org_token(session: Session, p: Principal, token_id: int) -> ApiToken:
    """Revoke a token of a user `p` manages. :raises NotFound: unknown, or another organisation's."""
    token = session.get(ApiToken, token_id)
    if token is None or not may_manage_org(p, token.user.org_id):
        raise NotFound(f"no API token with id {token_id}")
    get_user_for(session, p, token.user_id)
    return revoke_token(session, p, token.id)
