"""Who may read which audit entries: a read decision, so it lives here with the visibility rule.

Coordinators read the whole log: vetting, moderation and the two-person rule need every admin action in view,
and an entry carries ids, names of organisations and accounts, and reasons — never an object's contents (a
STIX id is shown, not what the object says, so the log reveals nothing the visibility rule hides). Nobody else
reads it here: organisation admins see their organisation's history through its pages.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from hub.errors import PermissionDenied
from hub.policy.principal import Principal


def audit_readable(p: Principal) -> ColumnElement[bool]:
    """SQL condition on `AuditEvent`: the entries `p` may read.

    :raises PermissionDenied: not a coordinator."""
    if not p.is_coordinator:
        raise PermissionDenied("only coordinators may read the audit log")
    return true()
