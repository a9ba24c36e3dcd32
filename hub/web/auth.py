"""Who is logged in: flask-login wiring, the deny-by-default gate, and the one place that gives a request
its Principal.

Every route needs a logged-in user unless its view is marked `@public`. Blueprints declared as a
`TokenSurface` (TAXII, the JSON API) authenticate themselves and are left alone here. `create_app` installs
the gate for the whole application, whichever features are mounted.
"""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import AnonymousUserMixin, UserMixin, current_user
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from hub.accounts.service import active_user, session_fingerprint
from hub.extensions import db, login_manager
from hub.orgs.models import User
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for
from hub.public import is_marked_public, is_token_surface_request
from hub.public import public as public  # views import the mark from here


class SessionUser(UserMixin):  # type: ignore[misc]
    """The logged-in user as flask-login sees it: the `User` row, and a session id that changes."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        """`<user id>:<fingerprint>`; the fingerprint changes with password, second factor or deactivation."""
        return f"{self.user.id}:{session_fingerprint(self.user, current_app.config['SECRET_KEY'])}"

    @property
    def is_active(self) -> bool:
        return bool(self.user.is_active)

    @property
    def email(self) -> str:
        return self.user.email


def load_user(session_id: str) -> SessionUser | None:
    """The session's user, or None when the id is malformed, the user is gone or the fingerprint is stale."""
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit() or not fingerprint:
        return None
    user = active_user(db.session(), int(user_id))
    if user is None:
        return None
    if session_fingerprint(user, current_app.config["SECRET_KEY"]) != fingerprint:
        return None
    return SessionUser(user)


def current_db_user() -> User | None:
    """The logged-in `User` row, or None."""
    if current_user.is_authenticated:
        return current_user.user  # type: ignore[no-any-return]
    return None


def current_principal() -> Principal:
    """The request's Principal, resolved once per request from the logged-in user (or anonymous)."""
    if "hub_principal" not in g:
        g.hub_principal = principal_for(db.session(), current_db_user())
    return g.hub_principal  # type: ignore[no-any-return]


def is_public_endpoint(endpoint: str | None) -> bool:
    """True for static files and views marked `@public`."""
    if endpoint is None:
        return True
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    view = current_app.view_functions.get(endpoint)
    return is_marked_public(view)


def require_login() -> Response | None:
    """Deny by default: anonymous requests to a non-public web endpoint go to the login page."""
    if is_token_surface_request() or is_public_endpoint(request.endpoint):
        return None
    if current_user.is_authenticated:
        return None
    if "web.login" not in current_app.view_functions:  # an app without the login pages still refuses
        raise Unauthorized("log in to use this page")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("web.login", next=target))


def forget_request_caches() -> None:
    """Drop what earlier requests cached on `g` (user, principal, locale): an app context can outlive a
    request, as it does in tests, and a request must never act on another request's identity."""
    for name in ("_login_user", "hub_principal", "_flask_babel"):
        g.pop(name, None)


def init_auth(app: Flask) -> None:
    """Wire flask-login and the deny-by-default gate into the app."""
    app.before_request_funcs.setdefault(None, []).insert(0, forget_request_caches)
    login_manager.user_loader(load_user)
    login_manager.anonymous_user = AnonymousUserMixin
    login_manager.login_view = "web.login"
    # "strong" would log Tor users out whenever their circuit changes
    login_manager.session_protection = "basic"
    app.before_request(require_login)
