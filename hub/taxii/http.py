"""HTTP plumbing of the TAXII surface: media types, authentication, request checks, TAXII error resources."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson
from flask import Response, current_app, request
from flask.sansio.app import App
from werkzeug.exceptions import NotAcceptable, RequestEntityTooLarge, Unauthorized, UnsupportedMediaType
from werkzeug.http import HTTP_STATUS_CODES

from hub.errors import register_renderer
from hub.extensions import db
from hub.policy.credentials import credentials_for, require_method_allowed, unchecked_credentials
from hub.policy.principal import Principal
from hub.policy.principal_cache import principal_cache
from hub.policy.version_check import checked_views
from hub.reads import made
from hub.unit_of_work import commit_now

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
WWW_AUTHENTICATE = 'Basic realm="hub", Bearer'
_PRINCIPAL_KEY = "hub.taxii.principal"
_ACCEPTABLE = {"*/*", "application/*", "application/taxii+json"}


def taxii_response(
    body: bytes | Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A response with the TAXII media type; `body` is encoded JSON or a mapping to encode."""
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    # The type given to the constructor is set once, where setting it afterwards replaced a default: the same
    # headers in the same order, without the default's work.
    return Response(
        data, status=status, headers=dict(headers) if headers else None, content_type=TAXII_MEDIA_TYPE
    )


def render_error(status: int, title: str, description: str, details: Any = None) -> Response:
    """A TAXII 2.1 error resource (§3.6.1) for any failure under /taxii2, HTTP errors and crashes included."""
    # Domain errors arrive titled with their class name (`InvalidInput`); people read the HTTP phrase better.
    body: dict[str, Any] = {
        "title": HTTP_STATUS_CODES.get(status, title),
        "description": description,
        "http_status": str(status),
    }
    if details is not None:
        body["details"] = details if isinstance(details, dict) else {"detail": details}
    response = taxii_response(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def register(app: App, path_prefix: str) -> None:
    """Render every error of `app` under `path_prefix` as a TAXII error resource."""
    register_renderer(app, path_prefix, render_error)


def check_request() -> None:
    """Refuse what the server cannot answer before doing any work: body size, Accept, Content-Type (POST)."""
    limit = int(current_app.config["TAXII_MAX_CONTENT_LENGTH"])
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"the body exceeds the API root's max_content_length ({limit} bytes)")
    request.max_content_length = limit  # also caps a body sent without Content-Length (chunked)
    if not accepts_taxii(request.headers.get("Accept", "*/*")):
        raise NotAcceptable(f"this server answers only with {TAXII_MEDIA_TYPE}; send it in the Accept header")
    if request.method == "POST" and not _is_taxii_content_type():
        raise UnsupportedMediaType(f"send the envelope with Content-Type: {TAXII_MEDIA_TYPE}")


@lru_cache(maxsize=64)
def accepts_taxii(accept: str) -> bool:
    """True when an Accept header admits TAXII 2.1 JSON (the TAXII type, unversioned too, or a wildcard).

    A client sends the same header on every request: the answer is kept for the last 64 headers seen
    (parsing it was 20 of a first page's Python calls)."""
    for media_range in accept.split(","):
        kind, *params = (part.strip() for part in media_range.split(";"))
        options = dict(_param(p) for p in params if p)
        if options.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        if kind.lower() in _ACCEPTABLE and options.get("version", "2.1") == "2.1":
            return True
    return False


def _param(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name.strip().lower(), value.strip().strip('"')


def _is_taxii_content_type() -> bool:
    params = request.mimetype_params
    return request.mimetype == "application/taxii+json" and params.get("version", "2.1") == "2.1"


def authenticate(defer: bool = False) -> None:
    """Resolve the principal from the API token (Bearer, or Basic with email and token); none: anonymous.

    Web session cookies are ignored on purpose: a browser tab must never lend its login to a TAXII request.
    Kept in the request's environ, not `g` (an app context, and so `g`, may outlive one request); resolved
    through the principal cache, which a change of policy empties (`hub.policy.principal_cache`).

    `defer`: for a view marked `hub.policy.version_check.deferrable`, a cached principal is taken without
    reading the policy version; the view's statement reads it (`checked_view`).
    """
    header = request.headers.get("Authorization")
    credentials = unchecked_credentials(header, principal_cache()) if defer else None
    if credentials is None:
        with db.session().no_autoflush:
            credentials = credentials_for(db.session(), header, principal_cache())
    if credentials is None:
        raise Unauthorized(
            "the credentials are not valid: send an API token as a Bearer token, or HTTP "
            "Basic with your email address and an API token"
        )
    request.environ[_PRINCIPAL_KEY] = credentials.principal
    require_method_allowed(credentials.grant, request.method)
    session = made(db.session)  # a warm read made none
    if session is not None and session.dirty:
        # `user_for_secret` noted the token's last use (a cached principal writes nothing); it is noted at
        # minute granularity, so when SQLite cannot take the write now, the next request notes it instead.
        commit_now("a token's last use is noted even if the request is then refused", best_effort=True)


# A view that may start with an unchecked cached principal: every way out of it is checked against the policy
# version (`hub.policy.version_check.run_checked`); on a change the principal is resolved afresh by
# `authenticate` and the view runs again.
checked_view = checked_views(db.session, authenticate)


def current_principal() -> Principal:
    """The principal `authenticate` resolved for this request."""
    principal: Principal = request.environ[_PRINCIPAL_KEY]
    return principal
