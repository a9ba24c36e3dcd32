"""Coordinators' trust decisions about organisations: raise or lower the tier, suspend, reinstate.

Every change needs a reason, which the audit log keeps; the organisation's history page shows it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.db import get_or_raise
from hub.errors import Conflict, InvalidInput
from hub.orgs.models import Organisation, OrgStatus, Tier
from hub.orgs.service import set_status, set_tier
from hub.policy.admin_actions import require_not_own_org, without_widening
from hub.policy.principal import Principal
from hub.policy.roles import require_coordinator


def require_reason(reason: str | None) -> str:
    """The reason, stripped. :raises InvalidInput: when it is empty."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("a reason is required: it is kept in the audit log")
    return text


def get_org_for_coordinator(session: Session, p: Principal, org_id: int) -> Organisation:
    """Any organisation, for a coordinator."""
    require_coordinator(p)
    return get_or_raise(session, Organisation, org_id, f"no organisation with id {org_id}")


def change_tier(session: Session, p: Principal, org_id: int, tier: str | Tier, reason: str) -> Organisation:
    """Raise or lower an organisation's tier. :raises InvalidInput: no reason or tier.
    :raises NeedsSecondCoordinator: `p`'s own organisation, or a change that would let `p` read more."""
    org = get_org_for_coordinator(session, p, org_id)
    text = require_reason(reason)
    try:
        level = tier if isinstance(tier, Tier) else Tier.parse(tier)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if level == org.tier:
        raise Conflict(f"{org.name} is already at tier {level.label}")
    require_not_own_org(p, org.id)
    without_widening(session, p, lambda: set_tier(session, p, org, level, text))
    return org


def suspend(session: Session, p: Principal, org_id: int, reason: str) -> Organisation:
    """Suspend an organisation: its users read only what is public and post nothing."""
    org = get_org_for_coordinator(session, p, org_id)
    text = require_reason(reason)
    if org.id == p.org_id:
        raise Conflict("you cannot suspend your own organisation")
    if org.status == OrgStatus.SUSPENDED:
        raise Conflict(f"{org.name} is already suspended")
    without_widening(session, p, lambda: set_status(session, p, org, OrgStatus.SUSPENDED, text))
    return org


def reinstate(session: Session, p: Principal, org_id: int, reason: str) -> Organisation:
    """Lift a suspension. :raises Conflict: not suspended."""
    org = get_org_for_coordinator(session, p, org_id)
    text = require_reason(reason)
    if org.status == OrgStatus.ACTIVE:
        raise Conflict(f"{org.name} is not suspended")
    without_widening(session, p, lambda: set_status(session, p, org, OrgStatus.ACTIVE, text))
    return org
