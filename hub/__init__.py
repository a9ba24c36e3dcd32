"""The HRD threat-intelligence hub: STIX 2.1 over TAXII 2.1, with TLP 2.0 enforced per object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, the security gate, blueprints.

    Runs no migration and no I/O but reading configuration. The gate is installed here, before any feature is
    mounted, so that no route depends on which blueprints are mounted or in what order.
    """
    from hub.application import HubFlask
    from hub.config import load_config
    from hub.errors import register_error_handlers
    from hub.extensions import init_extensions
    from hub.routing import install_converters
    from hub.unit_of_work import install as install_unit_of_work
    from hub.web.auth import init_auth
    from hub.web.security import init_security

    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("HUB_INSTANCE_PATH") or None
    app = HubFlask(__name__, instance_path=instance_path, instance_relative_config=True)
    load_config(app, test_config)
    init_extensions(app)
    register_error_handlers(app)
    init_auth(app)  # deny by default: only `@public` views and token surfaces pass without a login
    init_security(app)  # CSRF on every form, security headers, cookie flags, the web body limit
    install_converters(app)  # `<id:…>` for every row id in a URL
    _register_blueprints(app)
    install_unit_of_work(app)  # last, so it runs first after the view: one commit point per request
    return app


def _register_blueprints(app: Flask) -> None:
    """Mount every feature's blueprint; each feature owns its own routes and templates."""
    from hub.features import blueprints

    for blueprint, url_prefix in blueprints():
        app.register_blueprint(blueprint, url_prefix=url_prefix)
