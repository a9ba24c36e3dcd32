"""API authentication: an API token as `Bearer`, or HTTP Basic with the user's email address and a token.

Session cookies are ignored on purpose (a browser tab never lends its login to a platform's API client),
and an API request without valid credentials is refused with 401 rather than served as anonymous.
"""

from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import Unauthorized

from hub.extensions import db
from hub.orgs.models import ApiToken
from hub.orgs.tokens import token_for_authorization
from hub.policy.credentials import principal_for_token
from hub.policy.principal import Principal
from hub.unit_of_work import commit_now

WWW_AUTHENTICATE = 'Basic realm="hub", Bearer'


def authenticate() -> Principal:
    """Resolve this request's API token into its principal (kept for the request in `g`).

    :raises Unauthorized: no valid token."""
    token = _token(request.headers.get("Authorization"))
    g.api_token = token
    g.api_principal = principal_for_token(db.session(), token)
    if db.session.dirty:  # `user_for_secret` notes the token's last use, at most once a minute
        commit_now("a token's last use is noted even when the request it authenticates is then refused")
    return current_principal()


def current_principal() -> Principal:
    """The principal `authenticate` resolved for this request."""
    principal: Principal = g.api_principal
    return principal


def current_token() -> ApiToken:
    """The API token `authenticate` accepted for this request (its scope and collections)."""
    token: ApiToken = g.api_token
    return token


def _token(header: str | None) -> ApiToken:
    token = token_for_authorization(db.session(), header) if header is not None else None
    if token is None:
        how = "send an API token as a Bearer token, or HTTP Basic with your email address and an API token"
        raise Unauthorized(how if header is None else f"the credentials are not valid: {how}")
    return token
