"""API tokens: issued once, stored as a hash, checked on every TAXII and API request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, scoped_session

from hub.audit.service import record
from hub.db import utcnow
from hub.errors import InvalidInput, NotFound
from hub.orgs.models import ApiToken, User
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
    session: Session, actor: Principal | None, user: User, label: str = "", expires_days: int | None = None
) -> IssuedToken:
    """Create a token for `user`. :raises InvalidInput: non-positive expiry."""
    if expires_days is not None and expires_days <= 0:
        raise InvalidInput("a token's expiry must be a positive number of days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        label=label.strip(),
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    record(session, actor, "token.issue", "api-token", token.id, org_id=user.org_id, label=token.label)
    return IssuedToken(token, secret)


def revoke_token(session: Session, actor: Principal | None, token_id: int) -> ApiToken:
    """Revoke a token (idempotent)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor, "token.revoke", "api-token", token.id, org_id=token.user.org_id)
    return token


def user_for_secret(session: Session | scoped_session[Session], secret: str) -> User | None:
    """The active user owning a valid (unrevoked, unexpired) token with this secret; records its last use.

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
    return token.user


def user_for_authorization(session: Session | scoped_session[Session], header: str) -> User | None:
    """The user that an `Authorization` header authenticates, or None: an API token as `Bearer`, or HTTP Basic
    with the user's email address and an API token (what taxii2-client, OpenCTI, MISP and SIEMs send)."""
    scheme, _, credentials = header.strip().partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == "bearer" and credentials:
        return user_for_secret(session, credentials)
    if scheme != "basic":
        return None
    try:
        email, _, secret = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user = user_for_secret(session, secret) if secret else None
    if user is None or user.email != email.strip().lower():
        return None
    return user
