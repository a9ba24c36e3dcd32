"""The features the app factory mounts: one table of (blueprint, URL prefix), in mounting order.

Adding a feature is one import and one row. The order only decides which of two equal rules wins; the
security gate does not depend on it (`create_app` installs it for every route, `tests/web/test_gate.py`).
"""

from __future__ import annotations

from flask import Blueprint

from hub.admin import bp as admin_bp
from hub.admin import join_bp
from hub.api import bp as api_bp
from hub.interop.views import bp as interop_bp
from hub.notify.views import bp as notify_bp
from hub.reports.platform_views import bp as platform_bp
from hub.reports.reporter_views import bp as reporter_bp
from hub.reports.responder_views import bp as responder_bp
from hub.search.views import bp as search_bp
from hub.taxii import bp as taxii_bp
from hub.web import bp as web_bp

FEATURES: tuple[tuple[Blueprint, str], ...] = (
    (taxii_bp, "/taxii2"),
    (interop_bp, "/export"),
    (search_bp, "/search"),
    (web_bp, "/"),
    (api_bp, "/api/v1"),
    (reporter_bp, "/"),
    (responder_bp, "/"),
    (platform_bp, "/"),
    (admin_bp, "/admin"),
    (join_bp, "/join"),
    (notify_bp, "/"),
)


def blueprints() -> list[tuple[Blueprint, str]]:
    """The table as a list (tests mount it in other orders by replacing this function)."""
    return list(FEATURES)
