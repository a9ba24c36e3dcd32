"""HTTP hardening: security headers, cookie flags, CSRF for every form, and proxy awareness."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response as FlaskResponse
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from hub.extensions import csrf
from hub.public import is_token_surface_path, is_token_surface_request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'"
)

SESSION_LIFETIME = timedelta(hours=12)
WEB_MAX_CONTENT_LENGTH = 11 * 1024 * 1024  # a 10 MiB bundle upload plus the form around it

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_SECURITY_HEADERS = tuple((name, name.lower(), value) for name, value in SECURITY_HEADERS.items())


def add_security_headers(response: Response) -> Response:
    """Set the hub's security headers on every response (a surface may have set its own first).

    The names already set are read in one pass: five `setdefault`s each scanned the headers again, about a
    twentieth of a TAXII page's Python calls."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, lower, value in _SECURITY_HEADERS:
        if lower not in present:
            headers.add(name, value)
    if "cache-control" not in present and request.endpoint != "static":
        # pages can hold TLP-marked intelligence: keep them out of caches and the history of shared computers
        headers.add("Cache-Control", "no-store")
    return response


class WebSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions for the web pages only. A request to a token surface (TAXII, the API) gets
    Flask's null session: its clients authenticate with tokens and a browser's login must never reach them
    (`hub.web.auth`), and reading and signing a cookie was about a twentieth of a TAXII page's Python
    calls."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_token_surface_path(app, request.path):
            return None  # Flask then uses make_null_session: readable, empty, never saved
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: FlaskResponse) -> None:
        """Not for a side request: a static file or a path no page answers (`/favicon.ico`, `/robots.txt`).
        Browsers send those by themselves beside the pages, and the cookie such an answer carries is the
        session as it was when the request left: arriving after a login step's answer, it undid that step
        (tests/web/test_side_requests_keep_the_session.py). Nothing there has anything to keep."""
        unrouted = request.url_rule is None and response.status_code in (404, 405)
        if unrouted or request.endpoint == "static":
            return
        super().save_session(app, session, response)


def limit_request_size() -> None:
    """Cap web request bodies (forms, uploads) before anything parses them; TAXII sets its own limit."""
    if not is_token_surface_request():
        limit = current_app.config.get("WEB_MAX_CONTENT_LENGTH", WEB_MAX_CONTENT_LENGTH)
        request.max_content_length = int(limit)


def check_csrf() -> None:
    """Refuse state-changing web requests without a valid CSRF token (TAXII and the API are exempt)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or is_token_surface_request():
        return
    csrf.protect(apply_exemptions=True)


def init_security(app: Flask) -> None:
    """Cookie flags, proxy handling and the hooks above.

    `HUB_SESSION_COOKIE_SECURE=true` marks cookies Secure (set it whenever the hub is served over TLS);
    `HUB_PROXY_FIX=N` trusts N reverse proxies' X-Forwarded-For/-Proto/-Host headers.
    """
    # Sessions are browser-session cookies that the hub also refuses 12 hours after they were last written
    # (`HUB_PERMANENT_SESSION_LIFETIME`, seconds): a copied cookie does not stay useful for weeks.
    if app.config.get("PERMANENT_SESSION_LIFETIME") == Flask.default_config["PERMANENT_SESSION_LIFETIME"]:
        app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    secure = bool(app.config.get("SESSION_COOKIE_SECURE", False))
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    proxies = int(app.config.get("PROXY_FIX", 0) or 0)
    if proxies:
        fixed = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        app.wsgi_app = fixed  # type: ignore[method-assign]
    app.session_interface = WebSessionInterface()
    app.before_request(limit_request_size)
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
