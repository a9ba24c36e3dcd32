"""Self-service API tokens: a user creates, lists and revokes their own.

A token is created by the person it authenticates, and nobody else (`hub.policy.admin_actions`): a token
made by an admin for someone else would hand the admin that person's reach, TLP:RED included. Organisation
admins and coordinators list and revoke others' tokens through `hub.orgs.members`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import InvalidInput, NotFound
from hub.orgs.models import ApiToken, TokenScope, User
from hub.orgs.tokens import IssuedToken, issue_token, revoke_token
from hub.policy.admin_actions import require_own_token
from hub.policy.principal import Principal
from hub.sharing.service import get_collection_for

MAX_TOKEN_DAYS = 366


def create_own_token(
    session: Session,
    p: Principal,
    label: str,
    expires_days: int,
    scope: TokenScope | str = TokenScope.READ,
    collections: Iterable[str] | None = None,
) -> IssuedToken:
    """A new token for `p`'s own account (read-only unless asked), limited to `collections` (ids of
    collections `p` may use) when given; its secret exists only in the result.

    :raises InvalidInput: no label, expiry out of range, bad scope. :raises PermissionDenied: anonymous.
    :raises NotFound: a collection `p` may neither read nor write.
    """
    require_own_token(p, p.user_id or 0)
    user = session.get(User, p.user_id)
    if user is None or not user.is_active:
        raise InvalidInput("this account is deactivated; it cannot have new tokens")
    if not label.strip():
        raise InvalidInput("give the token a label, so you know later what uses it")
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"a token's expiry must be between 1 and {MAX_TOKEN_DAYS} days")
    limited = None
    if collections is not None:
        limited = [get_collection_for(session, p, collection_id).id for collection_id in collections]
    return issue_token(session, p, user, label, expires_days, scope, limited)


def list_own_tokens(session: Session, p: Principal) -> list[ApiToken]:
    """`p`'s own tokens (revoked ones too), newest first."""
    if p.user_id is None:
        return []
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == p.user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_own_token(session: Session, p: Principal, token_id: int) -> ApiToken:
    """Revoke one of `p`'s own tokens. :raises NotFound: unknown, or someone else's."""
    token = session.get(ApiToken, token_id)
    if token is None or p.user_id is None or token.user_id != p.user_id:
        raise NotFound(f"no API token with id {token_id}")
    return revoke_token(session, p, token.id)
