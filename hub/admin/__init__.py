"""Organisation admins' and coordinators' pages (mounted at /admin), and the public joining pages (/join).

Views parse forms, call the services (`hub.orgs.members`, `hub.orgs.applications`, `hub.orgs.trust`,
`hub.stix.moderation`, `hub.audit.queries`, `hub.sharing.channels`), commit once and render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)
join_bp = Blueprint("join", __name__)

# Attach the routes to the blueprints.
from hub.admin import channel_views, coordinator_views, join, nav, org_views, proposal_views  # noqa: E402,F401
