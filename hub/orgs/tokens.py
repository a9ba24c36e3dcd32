"""API tokens: issued once, stored as a hash, checked on every TAXII and API request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, scoped_session

from hub.audit.service import record
from hub.db import get_or_raise, utcnow
from hub.errors import InvalidInput
from hub.orgs.models import ApiToken, TokenScope, User
from hub.policy.principal import Principal

TOKEN_PREFIX = "hub_"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token and its secret, which exists only here: it is never stored and cannot be shown again."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    session: Session,
    actor: Principal | None,
    user: User,
    label: str = "",
    expires_days: int | None = None,
    scope: TokenScope | str = TokenScope.WRITE,
    collections: Iterable[str] | None = None,
) -> IssuedToken:
    """Create a token for `user`, limited to `collections` (ids) when given. No permission check here: callers
    are the operator's command line and `hub.orgs.own_tokens`. :raises InvalidInput: non-positive expiry,
    unknown scope, an empty list of collections."""
    if expires_days is not None and expires_days <= 0:
        raise InvalidInput("a token's expiry must be a positive number of days")
    try:
        level = TokenScope(scope)
    except ValueError:
        raise InvalidInput(f"unknown token scope {scope!r}; choose read or write") from None
    limited = None if collections is None else sorted(set(collections))
    if limited is not None and not limited:
        raise InvalidInput("a token limited to collections needs at least one collection")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        label=label.strip(),
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
        scope=level.value,
        collections=None if limited is None else json.dumps(limited),
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "token.issue",
        "api-token",
        token.id,
        org_id=user.org_id,
        label=token.label,
        scope=level.value,
        collections=limited,
    )
    return IssuedToken(token, secret)


def revoke_token(session: Session, actor: Principal | None, token_id: int) -> ApiToken:
    """Revoke a token (idempotent)."""
    token = get_or_raise(session, ApiToken, token_id, f"no API token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor, "token.revoke", "api-token", token.id, org_id=token.user.org_id)
    return token


def user_for_secret(session: Session | scoped_session[Session], secret: str) -> User | None:
    """The active user owning a valid (unrevoked, unexpired) token with this secret; records its last use."""
    token = token_for_secret(session, secret)
    return None if token is None else token.user


def token_for_secret(session: Session | scoped_session[Session], secret: str) -> ApiToken | None:
    """The valid (unrevoked, unexpired) token with this secret, of an active user; records its last use.

    One query loads the token, its user and the user's organisation: this runs on every TAXII and API request.
    """
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_secret(secret))
        .options(joinedload(ApiToken.user).joinedload(User.org))
    )
    now = utcnow()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
    ):
        return None
    if not token.user.is_active:
        return None
    # Record use at minute granularity so that a busy poller does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token


def token_for_authorization(session: Session | scoped_session[Session], header: str) -> ApiToken | None:
    """The token that an `Authorization` header presents, or None: an API token as `Bearer`, or HTTP Basic
    with the owner's email address and an API token (what taxii2-client, OpenCTI, MISP and SIEMs send)."""
    scheme, _, credentials = header.strip().partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == "bearer" and credentials:
        return token_for_secret(session, credentials)
    if scheme != "basic":
        return None
    try:
        email, _, secret = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    token = token_for_secret(session, secret) if secret else None
    if token is None or token.user.email != email.strip().lower():
        return None
    return token
