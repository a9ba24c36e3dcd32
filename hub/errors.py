"""Domain errors raised by services, and the app-wide handlers that render them for each surface.

Services raise `HubError`s and never build HTTP responses. Each surface (TAXII, web, CLI) chooses how to show
them; surfaces register their own renderer for their URL prefix with `register_renderer`, per application.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from flask.sansio.app import App
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from hub.accesslog import redact_path

# PEP 249's OperationalError is the database failing to operate, not the request being wrong: a lost or
# refused connection, a server restarting, a locked SQLite file. With a pool that cannot lend a connection in
# time, these are outages: the client should come back, and the log needs one line, not a traceback each.
DATABASE_OUTAGES = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 10
# Surfaces whose writes are idempotent (a TAXII envelope posted twice stores each object version once).
IDEMPOTENT_WRITE_PREFIXES = ("/taxii2/",)


class HubError(Exception):
    """A refusal that users should read: `str(exc)` is a clear, complete sentence."""

    status = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(HubError):
    """The request or its data is malformed or breaks a rule of the hub."""

    status = 400


class NotFound(HubError):
    """Nothing the principal may see has that name. Also raised for things that exist but are invisible."""

    status = 404


class PermissionDenied(HubError):
    """The principal can see the thing but may not do this to it."""

    status = 403


class Conflict(HubError):
    """The request clashes with what already exists (a duplicate name, a conflicting version)."""

    status = 409


Renderer = Callable[[int, str, str, Any], Response]
RENDERERS = "hub.error_renderers"


def register_renderer(app: App, path_prefix: str, renderer: Renderer) -> None:
    """Render `app`'s errors under `path_prefix` with `renderer(status, title, description, details)`; kept in
    `app.extensions`, so another app in the same process keeps its own."""
    renderers: dict[str, Renderer] = app.extensions.setdefault(RENDERERS, {})
    renderers.setdefault(path_prefix, renderer)


def _render(status: int, title: str, description: str, details: Any = None) -> Response:
    """Render with the renderer of the longest prefix matching the path (so `/taxii2` wins over `/`)."""
    renderers: dict[str, Renderer] = current_app.extensions.get(RENDERERS, {})
    matching = [
        (prefix, renderer) for prefix, renderer in renderers.items() if request.path.startswith(prefix)
    ]
    if matching:
        _prefix, renderer = max(matching, key=lambda item: len(item[0]))
        return renderer(status, title, description, details)
    from flask import jsonify

    response = jsonify({"title": title, "description": description, "http_status": status})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Turn every error (domain, HTTP, unexpected) into a response in the format of the surface asked."""

    @app.errorhandler(HubError)
    def _hub_error(exc: HubError) -> Response:
        from hub.unit_of_work import discard_writes

        discard_writes()
        return _render(exc.status, type(exc).__name__, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        response = _render(exc.code or 500, exc.name, exc.description or exc.name)
        for header in ("WWW-Authenticate", "Allow", "Retry-After"):
            original = exc.get_response().headers.get(header)
            if original and header not in response.headers:
                response.headers[header] = original
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_outage(exc: Exception) -> Response:
        return database_unavailable(app, exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        from hub.unit_of_work import discard_writes

        discard_writes()
        app.logger.exception("unhandled error")
        return _render(500, "Internal Server Error", "The hub failed to answer; nothing was changed.")


def database_unavailable(app: Flask, exc: Exception) -> Response:
    """503 with Retry-After in the surface's format; one log line naming the failure (no SQL, no values)."""
    from hub.extensions import db

    try:
        db.session.rollback()
    except DATABASE_OUTAGES:  # the connection may be gone already; the pool discards it
        pass
    cause = getattr(exc, "orig", None) or exc
    first_line = (str(cause).splitlines() or [""])[0]
    app.logger.error(
        "database unavailable, answered 503: %s %s: %s: %s",
        request.method,
        redact_path(request.path),
        type(cause).__name__,
        first_line,
    )
    response = _render(503, "Service Unavailable", _outage_description())
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _outage_description() -> str:
    """What the client may do: wait and retry; after a write, know that its outcome is unknown."""
    wait = f"Try again in {RETRY_AFTER_SECONDS} seconds."
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return f"The hub's database is unavailable for the moment. {wait}"
    if request.path.startswith(IDEMPOTENT_WRITE_PREFIXES):
        return (
            "The hub's database became unavailable, so whether this request took effect is unknown. "
            f"{wait} Sending the same request again is safe: what is already stored is not stored twice."
        )
    return (
        "The hub's database became unavailable, so whether this request took effect is unknown. "
        f"{wait} Check whether your change was saved before sending it again."
    )
