"""Unbound extension instances; `init_extensions` binds them to an app."""

from __future__ import annotations

from weakref import WeakSet

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.engine import Engine

from hub.db import Base, begin_explicitly
from hub.liveness import skippable_ping
from hub.migrations import SCHEMA_EXTRAS as SCHEMA_EXTRAS
from hub.migrations import init_migrations
from hub.ratelimits import (
    DATABASE_STORAGE_URI,
    keyed_client_address,
    skip_idle_hooks,
    skip_middleware_on_token_surfaces,
)
from hub.reads import HubSession

db = SQLAlchemy(model_class=Base, session_options={"class_": HubSession})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# No default limits: only the endpoints that guess secrets or take public input are limited, explicitly,
# per client as a daily keyed hash (never the address itself), in storage every worker shares.
limiter = Limiter(key_func=keyed_client_address)
# Engines whose pool and transactions the hub has set up. An app bound to an engine that another app set up
# already (the tests share one engine per database across their apps, to keep SQLAlchemy's compiled
# statements) must not wrap its ping a second time, nor send a second `BEGIN` at each transaction.
_engines_set_up: WeakSet[Engine] = WeakSet()


def init_extensions(app: Flask) -> None:
    """Bind every extension to the app."""
    import hub.models  # noqa: F401  (register every model with the metadata before anything uses it)

    db.init_app(app)
    with app.app_context():
        _set_up_engine(db.engine, app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("isolation_level"))
    init_migrations(app, db)
    login_manager.init_app(app)
    # CSRF is checked by the web's own before_request (hub.web.security), which exempts the
    # token-authenticated
    # surfaces (TAXII, JSON API) whatever order the blueprints are registered in.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", DATABASE_STORAGE_URI)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    skip_middleware_on_token_surfaces(app, limiter)
    skip_idle_hooks(app, limiter)


def _set_up_engine(engine: Engine, isolation_level: str | None) -> None:
    """Let reads skip the pool's ping and send `BEGIN` explicitly on PostgreSQL, once per engine."""
    if engine in _engines_set_up:
        return
    skippable_ping(engine)
    begin_explicitly(engine, isolation_level)
    _engines_set_up.add(engine)
