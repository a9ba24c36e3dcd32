"""Forgetting the delivery history once nobody needs it.

Sent and dropped deliveries stay on the webhook pages (the last deliveries, with status codes) and answer
"did it go?" for a while; then they only grow the table, and the ones for applicants carry a contact address
the hub should not keep. Dead letters age out the same way (coordinators were told when each one died and had
the period to retry it); pending ones are never touched. Events go once every delivery of theirs is gone.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select

from hub.db import now_us
from hub.notify.audience import AnySession
from hub.notify.models import Delivery, DeliveryStatus, Event

DEFAULT_DAYS = 30
DAY_US = 86_400 * 1_000_000
FINISHED = (DeliveryStatus.SENT.value, DeliveryStatus.DROPPED.value, DeliveryStatus.DEAD.value)


def purge_deliveries(session: AnySession, older_than_days: int) -> int:
    """Delete finished deliveries (sent, dropped, dead) created more than `older_than_days` ago (at least one
    day), then the expanded events left without deliveries; returns how many deliveries went."""
    cutoff = now_us() - max(older_than_days, 1) * DAY_US
    gone = session.execute(
        delete(Delivery).where(Delivery.status.in_(FINISHED), Delivery.created_us < cutoff)
    ).rowcount  # type: ignore[attr-defined]
    has_delivery = exists(select(Delivery.id).where(Delivery.event_id == Event.id))
    session.execute(delete(Event).where(Event.expanded.is_(True), Event.created_us < cutoff, ~has_delivery))
    return int(gone or 0)
