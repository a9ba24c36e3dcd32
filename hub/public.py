"""What the security gate reads from the views and blueprints themselves: `@public`, and token surfaces.

The deny-by-default gate (`hub.web.auth`, installed by `create_app`) reads these marks. They live apart from
the login code so that the reporter's side (`hub.reports.reporter_views`), which must not import login code,
can mark its pages itself, and so that a blueprint declares what it is instead of a list naming other
packages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, request
from flask.sansio.app import App

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_MARK = "_hub_public"
_PREFIXES = "hub.token_surface_prefixes"
_SURFACE_REQUEST = "hub.token_surface_request"


def public(view: F) -> F:
    """Mark a view as reachable without logging in (login, language switch, public forms, /report pages)."""
    setattr(view, PUBLIC_MARK, True)
    return view


def is_marked_public(view: object) -> bool:
    """True when `public` marked this view."""
    return bool(getattr(view, PUBLIC_MARK, False))


class TokenSurface(Blueprint):
    """A blueprint whose clients authenticate each request with a bearer token (TAXII, the JSON API).

    The login redirect, CSRF, the web body limit and the language cookie leave its requests alone: it answers
    for itself (401 with `WWW-Authenticate`), and a client of it has no browser session to forge. Where it is
    mounted is noted, so that the session, opened before the URL is matched, can tell its requests by path.
    """

    def register(self, app: App, options: dict[str, Any]) -> None:
        super().register(app, options)
        prefix = str(options.get("url_prefix", self.url_prefix) or "").rstrip("/")
        app.extensions.setdefault(_PREFIXES, set()).add(prefix)


def is_token_surface_path(app: App, path: str) -> bool:
    """True when `path` lies under a mounted `TokenSurface` (known before the URL is matched)."""
    return any(
        path == prefix or path.startswith(prefix + "/") for prefix in app.extensions.get(_PREFIXES, ())
    )


def is_token_surface_request() -> bool:
    """True when the current request is routed to a `TokenSurface` (or a blueprint nested in one). Kept with
    the request once known: five hooks ask it on every request."""
    environ = request.environ
    known: bool | None = environ.get(_SURFACE_REQUEST)
    if known is None:
        top = (request.blueprint or "").partition(".")[0]
        known = environ[_SURFACE_REQUEST] = isinstance(current_app.blueprints.get(top), TokenSurface)
    return known
