"""Pulling a remote collection into the local one (`hub feed sync`).

Pages are fetched with `added_after` = the feed's cursor (then `next` within a run), each page is ingested
through `hub.stix.ingest.add_objects` and committed, and only then is the cursor moved to that page's
`X-TAXII-Date-Added-Last`. A run that dies half-way resumes from the last committed page; objects fetched
twice are answered "already stored", so nothing is lost and no version is stored twice. Objects keep the
producer's `created_by_ref` and markings; those above the feed's `tlp_max` are refused and counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.interop.feeds.client import FeedLimits, RemoteCollection, RemoteMisbehaved
from hub.interop.feeds.models import Feed
from hub.interop.feeds.service import unseal
from hub.interop.importer import ImportReport, import_objects
from hub.oneline import one_line
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp, is_tlp_marking_definition, marking_refs, tlp_of_markings
from hub.stix.ingest import IngestOptions

PAGE_SIZE = 1000


@dataclass(slots=True)
class SyncReport:
    """What one sync run did."""

    pages: int = 0
    imported: ImportReport = field(default_factory=ImportReport)
    refused: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped before the remote's end (the next run continues)

    def summary(self) -> str:
        """One line for people and logs."""
        line = (
            f"{self.pages} pages, {self.imported.summary()}, {len(self.refused)} refused above the feed's TLP"
        )
        return f"{line}; {self.stopped}" if self.stopped else line


def effective_tlp(obj: Any, default: Tlp) -> Tlp:
    """The TLP an object would have here: its most restrictive TLP marking, else the collection's default."""
    if not isinstance(obj, dict):
        return default
    if is_tlp_marking_definition(obj):
        return Tlp.CLEAR
    level = tlp_of_markings(marking_refs(obj))
    return default if level is None else level


def sync_feed(
    session: Session,
    feed: Feed,
    secret_key: str,
    progress: Callable[[int], None] | None = None,
    page_size: int | None = None,
    limits: FeedLimits | None = None,
) -> SyncReport:
    """Pull what is new from the feed's remote collection, committing after every page, for at most
    `limits.max_pages` pages and `limits.max_seconds` (the next run continues from the cursor).

    :raises RemoteMisbehaved: the remote's `next` or cursor did not advance, or it broke a size or time limit.
    :raises requests/taxii2client errors: the remote failed. Either way what was committed stays, the cursor
    with it.
    """
    limits = limits or FeedLimits()
    remote = RemoteCollection(feed, unseal(secret_key, feed), limits)
    p = principal_for(session, feed.user)
    report = SyncReport()
    ends = time.monotonic() + limits.max_seconds
    next_token: str | None = None
    seen_tokens: set[str] = set()
    try:
        while True:
            cursor = feed.pull_cursor
            envelope = remote.get_page(
                cursor if next_token is None else None, next_token, page_size or PAGE_SIZE
            )
            objects = envelope.get("objects", [])
            _ingest_page(session, p, feed, objects, report, remote.date_added_last)
            if progress:
                progress(len(objects))
            next_token = envelope.get("next")
            if not envelope.get("more") or not objects:
                break
            if not next_token and not remote.date_added_last:
                break  # neither `next` nor the header: nothing safe to continue from
            _check_progress(feed, next_token, seen_tokens, cursor, remote.date_added_last)
            report.stopped = _limit_reached(report, limits, ends)
            if report.stopped:
                break
    finally:
        remote.close()
    return report


def _ingest_page(
    session: Session, p: Principal, feed: Feed, objects: list[Any], report: SyncReport, header: str | None
) -> None:
    """Store one page (refusing what is above the feed's TLP), move the cursor, commit."""
    default = Tlp(feed.collection.default_tlp)
    allowed = []
    for obj in objects:
        if effective_tlp(obj, default) > Tlp(feed.tlp_max):
            report.refused.append(str(obj.get("id")) if isinstance(obj, dict) else "?")
        else:
            allowed.append(obj)
    if allowed:
        options = IngestOptions(via_feed=feed.name)
        report.imported.add(import_objects(session, p, feed.local_collection_id, allowed, options))
    report.pages += 1
    if header:
        feed.pull_cursor = header
    feed.last_sync_at = utcnow()
    feed.last_error = None
    session.commit()


def _check_progress(
    feed: Feed, next_token: str | None, seen: set[str], cursor: str | None, header: str | None
) -> None:
    """An upstream answering `more: true` must move: a `next` token seen before, or (without one) a cursor
    that stays where it was, would page for ever. :raises RemoteMisbehaved:"""
    if next_token:
        if next_token in seen:
            raise RemoteMisbehaved("the remote's `next` token did not advance; stopped paging")
        seen.add(next_token)
    elif header == cursor:
        raise RemoteMisbehaved("the remote's X-TAXII-Date-Added-Last did not advance; stopped paging")


def _limit_reached(report: SyncReport, limits: FeedLimits, ends: float) -> str | None:
    if report.pages >= limits.max_pages:
        return f"stopped after {report.pages} pages (HUB_FEED_MAX_PAGES); the next run continues"
    if time.monotonic() > ends:
        return f"stopped after {limits.max_seconds:g} s (HUB_FEED_MAX_SECONDS); the next run continues"
    return None


def record_failure(session: Session, feed: Feed, error: Exception) -> None:
    """Remember why the last run failed (shown by `hub feed list`), after undoing what was not committed."""
    session.rollback()
    feed.last_error = one_line(f"{type(error).__name__}: {error}")
    session.commit()
