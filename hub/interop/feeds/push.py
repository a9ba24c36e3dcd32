"""Pushing a local collection to the remote one (`hub feed push`), never beyond what TLP allows.

Only published objects go, and only at TLP:CLEAR, or TLP:GREEN when the operator declared the remote to be
within the GREEN community (`--community`); AMBER, AMBER+STRICT and RED never leave. Of each object only its
latest version goes, and only when the remote may receive it: when the latest is above what the feed carries,
the remote gets a revocation of the last version it could have had (so it never shows superseded content as
current), and nothing of the newer one. Versions are walked oldest `date_added` first, in envelopes of
`PAGE_SIZE`; the cursor (the last local `date_added` sent) moves
after each envelope the remote accepted, so a failed push resumes where it stopped, and the remote answers
objects it already has as successes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.interop.feeds.client import FeedLimits, RemoteCollection
from hub.interop.feeds.models import Feed
from hub.interop.feeds.service import unseal
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp, marking_refs, tlp_of_markings
from hub.stix.models import ObjectVersion, State
from hub.stix.query import ALL, LAST, ObjectFilter, list_versions
from hub.stix.validation import format_timestamp

PAGE_SIZE = 500
MAX_VERSIONS = 1000


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
    report = PushReport()
    try:
        while True:
            page = list_versions(
                session,
                p,
                feed.local_collection_id,
                ObjectFilter(versions=(ALL,)),
                page_size or PAGE_SIZE,
                feed.push_cursor or None,
            )
            if not page.items:
                break
            bodies = _outgoing(session, p, feed, page.items)
            if bodies:
                status = remote.add(",".join(bodies))
                report.sent += len(bodies)
                report.accepted += int(status.success_count)
                report.failures.extend(status.failures or [])
            feed.push_cursor = page.items[-1].date_added
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


def _outgoing(session: Session, p: Principal, feed: Feed, rows: list[ObjectVersion]) -> list[str]:
    """The bodies to send for one page: each object's latest version if the remote may receive it, else a
    revocation of the last one it may; older versions and objects awaiting moderation send nothing."""
    ids = tuple(sorted({row.stix_id for row in rows}))
    latest = {
        row.stix_id: row
        for row in list_versions(
            session, p, feed.local_collection_id, ObjectFilter(ids=ids, versions=(LAST,)), len(ids)
        ).items
    }
    levels = pushable_levels(feed)
    bodies: list[str] = []
    for row in rows:
        newest = latest.get(row.stix_id)
        if newest is None or newest.id != row.id or row.state != State.PUBLISHED:
            continue
        if row.tlp in levels:
            bodies.append(row.body)
            continue
        revocation = _revocation(session, p, feed, row)
        if revocation is not None:
            bodies.append(revocation)
    return bodies


def _revocation(session: Session, p: Principal, feed: Feed, newest: ObjectVersion) -> str | None:
    """The last earlier version the remote may have received (published, pushable at its own marking, and
    behind the push cursor), revoked as of `newest`'s version; None if none. A tightened object raises its
    older versions' level (`writing.access_levels`), so their own marking, not the level they are read at
    now, says whether they were sent; one never sent is not sent now, revoked or not."""
    f = ObjectFilter(ids=(newest.stix_id,), versions=(ALL,))
    levels, sent_up_to = pushable_levels(feed), feed.push_cursor or 0
    earlier = [
        row
        for row in list_versions(session, p, feed.local_collection_id, f, MAX_VERSIONS).items
        if row.state == State.PUBLISHED
        and row.version < newest.version
        and row.date_added <= sent_up_to
        and _own_level(row) in levels
    ]
    if not earlier:
        return None
    body = orjson.loads(max(earlier, key=lambda row: row.version).body)
    if not isinstance(body, dict) or "created" not in body:
        return None  # observables have no versions to revoke
    body["revoked"] = True
    body["modified"] = format_timestamp(newest.version)
    return orjson.dumps(body).decode()


def _own_level(row: ObjectVersion) -> int:
    """The TLP level the version's own markings give it (the stored level may have been raised since)."""
    body = orjson.loads(row.body)
    level = tlp_of_markings(marking_refs(body)) if isinstance(body, dict) else None
    return int(level if level is not None else row.tlp)
