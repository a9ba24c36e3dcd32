"""Daily digests: objects held for members who chose "daily" are sent as one mail per member per day.

The worker calls `queue_due_digests` on every pass: a member whose oldest held object waited a day gets a
`digest` event with everything held for them (ids only; the mail re-checks visibility when it is built), and
the held rows go in the same transaction, so a digest is neither lost nor sent twice.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from hub.db import begin_write, now_us
from hub.notify.audience import AnySession
from hub.notify.models import DigestItem
from hub.notify.outbox import OBJECTS_PER_EVENT, emit

DAY_US = 24 * 3600 * 1_000_000


def queue_due_digests(session: AnySession, period_us: int = DAY_US) -> int:
    """Turn each member's held objects into a digest event once the oldest has waited `period_us`."""
    begin_write(session)
    due = session.scalars(
        select(DigestItem.user_id)
        .group_by(DigestItem.user_id)
        .having(func.min(DigestItem.created_us) <= now_us() - period_us)
    ).all()
    for user_id in due:
        ids = list(
            session.scalars(
                select(DigestItem.version_id).where(DigestItem.user_id == user_id).order_by(DigestItem.id)
            )
        )
        for start in range(0, len(ids), OBJECTS_PER_EVENT):
            emit(session, "digest", user_id=user_id, version_ids=ids[start : start + OBJECTS_PER_EVENT])
        session.execute(delete(DigestItem).where(DigestItem.user_id == user_id))
    session.commit()
    return len(due)
