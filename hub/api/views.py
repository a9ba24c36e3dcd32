"""`/api/v1/lookup`: is this URL / domain / account / number known to target defenders? JSON in, JSON out."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from hub.api import bp
from hub.api.auth import WWW_AUTHENTICATE, authenticate, checked_view, current_principal
from hub.api.service import MAX_VALUE_LENGTH, MAX_VALUES, Result, lookup
from hub.errors import InvalidInput, register_renderer
from hub.extensions import db
from hub.policy.version_check import check, request_may_defer, unchecked
from hub.unit_of_work import reads_only

DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024


def render_error(status: int, title: str, description: str, details: Any = None) -> Response:
    """Every failure under /api as `{"title", "description", "http_status"[, "details"]}`."""
    body: dict[str, Any] = {"title": title, "description": description, "http_status": status}
    if details is not None:
        body["details"] = details
    response = _json(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


bp.record_once(lambda state: register_renderer(state.app, "/api", render_error))


@bp.before_request
def _authenticate_and_check() -> None:
    """Authenticate, and cap the body. A GET only reads (`reads_only`: no BEGIN, no COMMIT); a POST lookup
    may plan its batch with `SET LOCAL`, which needs its transaction."""
    if request.method == "GET":
        reads_only()
    limit = int(current_app.config.get("API_MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH))
    too_large = request.content_length is not None and request.content_length > limit
    # A view that checks the policy version itself may start with a cached principal unchecked: nothing
    # after this point and before it may answer.
    authenticate(defer=not too_large and request_may_defer())
    if too_large:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")
    request.max_content_length = limit  # also caps a body sent without Content-Length


@bp.get("/lookup")
@checked_view
def lookup_get() -> ResponseReturnValue:
    """Look one value up: `?value=...`."""
    values = request.args.getlist("value")
    if len(values) != 1:
        raise InvalidInput('give exactly one `value` parameter; POST {"values": [...]} to look up several')
    return _json(_lookup([values[0]])[0])


@bp.post("/lookup")
def lookup_post() -> ResponseReturnValue:
    """Look up to 1,000 values at once: `{"values": ["...", ...]}`; results come in the same order."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the values as JSON with Content-Type: application/json")
    try:
        document = orjson.loads(request.get_data())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from None
    values = document.get("values") if isinstance(document, dict) else None
    if not isinstance(values, list) or not values:
        raise InvalidInput('send a JSON object with a non-empty list of strings under "values"')
    if len(values) > MAX_VALUES:
        raise InvalidInput(
            f"at most {MAX_VALUES:,} values per request; this one has {len(values):,}: "
            "split it into several requests"
        )
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise InvalidInput(f"values[{index}] is not a string")
    return _json({"results": _lookup(values)})


def _lookup(values: list[str]) -> list[Result]:
    for index, value in enumerate(values):
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidInput(f"values[{index}] is longer than {MAX_VALUE_LENGTH} characters")
    results = lookup(db.session, current_principal(), values, check if unchecked() else None)
    return results


def _json(body: Any, status: int = 200) -> Response:
    """The body as JSON; the lookup's dataclasses are serialised by orjson as they are, field by field (a
    dictionary built per match cost more than the lookup's own queries for a batch of 1,000)."""
    response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
