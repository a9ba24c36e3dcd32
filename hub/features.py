"""The list of feature blueprints the app factory mounts, in one place so features can be added without
merge pain."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[tuple[Blueprint, str | None]]:
    """Return (blueprint, url_prefix) pairs for every feature of the hub."""
    mounted: list[tuple[Blueprint, str | None]] = []
    from hub.taxii import bp as taxii_bp

    mounted.append((taxii_bp, "/taxii2"))
    from hub.interop.views import bp as interop_bp

    mounted.append((interop_bp, "/export"))
    from hub.search.views import bp as search_bp

    mounted.append((search_bp, "/search"))
    from hub.web import bp as web_bp

    mounted.append((web_bp, "/"))
    from hub.api import bp as api_bp

    mounted.append((api_bp, "/api/v1"))
    from hub.reports.platform_views import bp as platform_bp
    from hub.reports.reporter_views import bp as reporter_bp
    from hub.reports.responder_views import bp as responder_bp

    mounted.append((reporter_bp, "/"))
    mounted.append((responder_bp, "/"))
    mounted.append((platform_bp, "/"))
    from hub.admin import bp as admin_bp
    from hub.admin import join_bp

    mounted.append((admin_bp, "/admin"))
    mounted.append((join_bp, "/join"))
    from hub.notify.views import bp as notify_bp

    mounted.append((notify_bp, "/"))
    return mounted
