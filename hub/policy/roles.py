"""Role checks shared by the coordinator and organisation-admin services."""

from __future__ import annotations

from hub.errors import PermissionDenied
from hub.policy.principal import Principal


def require_coordinator(p: Principal) -> None:
    """:raises PermissionDenied: unless `p` is a coordinator of an active organisation."""
    if not p.is_coordinator:
        raise PermissionDenied("only coordinators may do this")


def may_manage_org(p: Principal, org_id: int) -> bool:
    """Coordinators manage every organisation; organisation admins only their own."""
    return p.is_coordinator or (p.is_org_admin and p.org_id == org_id)


def may_manage_coordinators(p: Principal) -> bool:
    """Only coordinators invite coordinators or manage their accounts: an organisation admin who could would
    hand out, or take over, the role that reaches every organisation."""
    return p.is_coordinator


def require_org_admin(p: Principal, org_id: int) -> None:
    """:raises PermissionDenied: unless `p` may manage the users and tokens of organisation `org_id`."""
    if not may_manage_org(p, org_id):
        raise PermissionDenied("only this organisation's admins and coordinators may do this")
