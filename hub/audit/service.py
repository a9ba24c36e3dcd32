"""Recording audit events: callers commit, so an event shares the transaction of the change it records."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from hub.audit.models import AuditEvent
from hub.policy.principal import Principal


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    target_type: str,
    target_id: object,
    *,
    org_id: int | None = None,
    reason: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one audit event; `actor` None means the operator at the command line."""
    event = AuditEvent(
        actor_user_id=actor.user_id if actor else None,
        actor_org_id=actor.org_id if actor else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        org_id=org_id,
        reason=reason,
        details=json.dumps(details, sort_keys=True, default=str),
    )
    session.add(event)
    return event
