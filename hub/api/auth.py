"""API authentication: an API token as `Bearer`, or HTTP Basic with the user's email address and a token.

Session cookies are ignored on purpose (a browser tab never lends its login to a platform's API client),
and an API request without valid credentials is refused with 401 rather than served as anonymous.
"""

from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import Unauthorized

from hub.extensions import db
from hub.policy.credentials import credentials_for, unchecked_credentials
from hub.policy.principal import Principal
from hub.policy.principal_cache import TokenGrant, principal_cache
from hub.policy.version_check import checked_views
from hub.reads import made
from hub.unit_of_work import commit_now

WWW_AUTHENTICATE = 'Basic realm="hub", Bearer'


def authenticate(defer: bool = False) -> Principal:
    """Resolve this request's API token into its principal (kept for the request in `g`).

    Served from the principal cache while no policy change happened (`hub.policy.principal_cache`).
    `defer`: for a view marked `hub.policy.version_check.deferrable`, a cached principal is taken without
    reading the policy version; the view's statement reads it (`checked_view`).
    :raises Unauthorized: no valid token."""
    header = request.headers.get("Authorization")
    credentials = None if header is None or not defer else unchecked_credentials(header, principal_cache())
    if credentials is None and header is not None:
        credentials = credentials_for(db.session(), header, principal_cache())
    if credentials is None or credentials.grant is None:
        how = "send an API token as a Bearer token, or HTTP Basic with your email address and an API token"
        raise Unauthorized(how if header is None else f"the credentials are not valid: {how}")
    g.api_token = credentials.grant
    g.api_principal = credentials.principal
    session = made(db.session)  # a warm read made none
    if session is not None and session.dirty:  # `user_for_secret` notes the token's last use, once a minute
        commit_now("a token's last use is noted even when the request it authenticates is then refused")
    return current_principal()


# A view that may start with an unchecked cached principal: every way out of it is checked against the policy
# version (`hub.policy.version_check.run_checked`); on a change the principal is resolved afresh by
# `authenticate` and the view runs again.
checked_view = checked_views(db.session, authenticate)


def current_principal() -> Principal:
    """The principal `authenticate` resolved for this request."""
    principal: Principal = g.api_principal
    return principal


def current_token() -> TokenGrant:
    """What the API token `authenticate` accepted for this request allows (its scope and collections)."""
    token: TokenGrant = g.api_token
    return token
