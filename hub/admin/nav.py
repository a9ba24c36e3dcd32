"""Navigation links and small helpers shared by the admin views."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext

from hub.admin import bp, join_bp
from hub.policy.principal import Principal
from hub.web.auth import current_principal
from hub.web.nav import add_nav_item


def _org_admin_only(p: Principal) -> bool:
    return p.is_org_admin and not p.is_coordinator


add_nav_item(bp, "admin.my_org", lazy_gettext("My organisation"), _org_admin_only, 60)
add_nav_item(bp, "admin.home", lazy_gettext("Coordination"), lambda p: p.is_coordinator, 60)
add_nav_item(join_bp, "join.apply", lazy_gettext("Apply to join"), lambda p: p.is_anonymous, 90)


def require_admin_page() -> Principal:
    """The principal, if it is an organisation admin or coordinator; everyone else gets 403."""
    p = current_principal()
    if not p.is_org_admin:
        abort(403)
    return p


def require_coordinator_page() -> Principal:
    """The principal, if it is a coordinator; everyone else gets 403."""
    p = current_principal()
    if not p.is_coordinator:
        abort(403)
    return p
