"""Flask-Limiter's before-request check is left out of token-surface requests (issue 16), and no limit is
lost by it: a limit declared on a TAXII or API view still holds, and a limit meant for every request keeps
the check everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter

from hub import create_app
from hub.extensions import db, limiter
from hub.public import TokenSurface
from hub.ratelimits import keyed_client_address, skip_middleware_on_token_surfaces
from tests.conftest import _test_config


def _limited(app: Flask, tmp_path: Path) -> Flask:
    """The hub with rate limiting on, counting in memory (one process)."""
    config = _test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    return create_app({**config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})


def test_token_surface_requests_skip_the_before_request_check(app, tmp_path, monkeypatch):
    """Failed before: TAXII and API requests each ran the check (0.3 ms of a first page, for no limit)."""
    checked: list[str] = []
    monkeypatch.setattr(limiter, "_check_request_limit", lambda *_a, **_k: checked.append(request.path))
    limited = _limited(app, tmp_path)
    with limited.app_context():
        client = limited.test_client()
        client.get("/taxii2/")
        client.get("/api/v1/lookup", query_string={"value": "example.org"})
        client.get("/")
        db.session.remove()
    assert checked == ["/"]


def test_a_limit_declared_on_a_token_surface_view_still_holds(app, tmp_path):
    """A view's own limit is checked by its decorator, not by the skipped before-request check."""
    probe = TokenSurface("limited_probe", __name__)

    @probe.get("/once")
    @limiter.limit("1/minute")
    def once() -> str:
        return "ok"

    limited = _limited(app, tmp_path)
    limited.register_blueprint(probe, url_prefix="/limited-probe")
    with limited.app_context():
        client = limited.test_client()
        statuses = [client.get("/limited-probe/once").status_code for _ in range(2)]
        db.session.remove()
    assert statuses == [200, 429]


def test_a_limit_for_every_request_keeps_the_check_on_token_surfaces():
    """With a default limit configured, the check is not skipped: it is what applies that limit."""
    everywhere = Limiter(key_func=keyed_client_address, default_limits=["1/minute"], storage_uri="memory://")
    surface = TokenSurface("surface_probe", __name__)

    @surface.get("/")
    def answer() -> str:
        return "ok"

    bare = Flask(__name__)
    bare.config["SECRET_KEY"] = "test"
    bare.register_blueprint(surface, url_prefix="/surface")
    everywhere.init_app(bare)
    skip_middleware_on_token_surfaces(bare, everywhere)
    client = bare.test_client()
    statuses: list[Any] = [client.get("/surface/").status_code for _ in range(2)]
    assert statuses == [200, 429]


def test_a_request_no_limit_looked_at_leaves_the_limiter_hooks_idle(app, tmp_path, monkeypatch):
    """Failed before: the after-request hook created the limiter's record of a TAXII request (for the
    teardown to reset it) although no limit had looked at the request."""
    import flask_limiter._extension as extension

    created: list[str] = []
    record = extension.LimiterContext

    def counted_record() -> Any:
        created.append(request.path)
        return record()

    monkeypatch.setattr(extension, "LimiterContext", counted_record)
    limited = _limited(app, tmp_path)
    with limited.app_context():
        client = limited.test_client()
        client.get("/taxii2/")
        client.get("/")
        db.session.remove()
    assert created == ["/"]


def test_a_limited_token_surface_view_keeps_its_headers_and_conditional_costs(app, tmp_path, monkeypatch):
    """The after-request hook still runs for a request a view's limit looked at: its headers are added, and
    a cost deducted only on an error response is deducted (the second failed call is refused)."""
    probe = TokenSurface("headers_probe", __name__)

    @probe.get("/fail")
    @limiter.limit("2/minute", deduct_when=lambda response: response.status_code >= 400)
    def fail() -> tuple[str, int]:
        return "no", 400

    limited = _limited(app, tmp_path)
    # the shared limiter keeps the first app's header setting (RATELIMIT_HEADERS_ENABLED); turn it on here
    monkeypatch.setattr(limiter, "_headers_enabled", True)
    limited.register_blueprint(probe, url_prefix="/headers-probe")
    with limited.app_context():
        client = limited.test_client()
        responses = [client.get("/headers-probe/fail") for _ in range(3)]
        db.session.remove()
    assert [response.status_code for response in responses] == [400, 400, 429]
    assert responses[0].headers["X-RateLimit-Limit"] == "2"
    assert responses[0].headers["X-RateLimit-Remaining"] == "1"
