"""Services behind the notification pages: dead letters (coordinators) and webhook history (organisations)."""

from __future__ import annotations

from sqlalchemy import select, update

from hub.db import now_us
from hub.errors import NotFound
from hub.notify.audience import AnySession
from hub.notify.models import Delivery, DeliveryStatus, Event
from hub.notify.settings import worker_settings
from hub.policy.principal import Principal
from hub.policy.roles import require_coordinator


def dead_letters(session: AnySession, p: Principal, limit: int = 200) -> list[Delivery]:
    """Deliveries that ran out of attempts, newest first. :raises PermissionDenied: not a coordinator."""
    require_coordinator(p)
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.status == DeliveryStatus.DEAD.value)
            .order_by(Delivery.created_us.desc(), Delivery.id)
            .limit(limit)
        )
    )


def retry(session: AnySession, p: Principal, delivery_id: str) -> None:
    """Give a dead delivery a fresh set of attempts, due now, under the same id. :raises NotFound:"""
    require_coordinator(p)
    changed = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.DEAD.value)
        .values(status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_us=now_us())
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise NotFound(f"no dead delivery {delivery_id}")


def stuck_events(session: AnySession, p: Principal, limit: int = 200) -> list[Event]:
    """Events whose planning failed on every attempt (nobody was told yet), oldest first.

    :raises PermissionDenied: not a coordinator."""
    require_coordinator(p)
    return list(
        session.scalars(
            select(Event)
            .where(Event.expanded.is_(False), Event.attempts >= worker_settings().max_attempts)
            .order_by(Event.id)
            .limit(limit)
        )
    )


def retry_event(session: AnySession, p: Principal, event_id: int) -> None:
    """Plan a stuck event again on the worker's next pass. :raises NotFound:"""
    require_coordinator(p)
    changed = session.execute(
        update(Event).where(Event.id == event_id, Event.expanded.is_(False)).values(attempts=0)
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise NotFound(f"no waiting event {event_id}")
