"""Pushing a local collection to the remote one (`hub feed push`), never beyond what TLP allows.

Only published objects go, and only at TLP:CLEAR, or TLP:GREEN when the operator declared the remote to be
within the GREEN community (`--community`); AMBER, AMBER+STRICT and RED never leave. Every version is sent,
oldest `date_added` first, in envelopes of `PAGE_SIZE`; the cursor (the last local `date_added` sent) moves
after each envelope the remote accepted, so a failed push resumes where it stopped, and the remote answers
objects it already has as successes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.interop.feeds.client import FeedLimits, RemoteCollection
from hub.interop.feeds.models import Feed
from hub.interop.feeds.service import unseal
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.stix.models import State
from hub.stix.query import ALL, ObjectFilter, list_versions

PAGE_SIZE = 500


@dataclass(slots=True)
class PushReport:
    """What one push run did."""

    sent: int = 0
    accepted: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people and logs."""
        return (
            f"{self.sent} objects sent: {self.accepted} accepted, {len(self.failures)} refused by the remote"
        )


def pushable_levels(feed: Feed) -> tuple[int, ...]:
    """The TLP levels this feed may carry out of the hub."""
    return (int(Tlp.CLEAR), int(Tlp.GREEN)) if feed.is_community else (int(Tlp.CLEAR),)


def push_feed(
    session: Session,
    feed: Feed,
    secret_key: str,
    progress: Callable[[int], None] | None = None,
    page_size: int | None = None,
    limits: FeedLimits | None = None,
) -> PushReport:
    """Send what is new in the local collection to the remote one. Commits after every accepted envelope."""
    remote = RemoteCollection(feed, unseal(secret_key, feed), limits)
    p = principal_for(session, feed.user)
    f = ObjectFilter(versions=(ALL,), tlps=pushable_levels(feed))
    report = PushReport()
    try:
        while True:
            page = list_versions(
                session, p, feed.local_collection_id, f, page_size or PAGE_SIZE, feed.push_cursor or None
            )
            if not page.items:
                break
            bodies = [
                row.body
                for row in page.items
                if row.state == State.PUBLISHED and row.tlp in pushable_levels(feed)
            ]
            last = page.items[-1].date_added
            if bodies:
                status = remote.add(",".join(bodies))
                report.sent += len(bodies)
                report.accepted += int(status.success_count)
                report.failures.extend(status.failures or [])
            feed.push_cursor = last
            feed.last_push_at = utcnow()
            feed.last_error = None
            session.commit()
            if progress:
                progress(len(page.items))
            if not page.more:
                break
    finally:
        remote.close()
    return report
