"""Pulling a remote collection into the local one (`hub feed sync`).

Pages are fetched with `added_after` = the feed's cursor (then `next` within a run), each page is ingested
through `hub.stix.ingest.add_objects` and committed, and only then is the cursor moved to that page's
`X-TAXII-Date-Added-Last`. A run that dies half-way resumes from the last committed page; objects fetched
twice are answered "already stored", so nothing is lost and no version is stored twice. Objects keep the
producer's `created_by_ref` and markings; those above the feed's `tlp_max` are refused and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.interop.feeds.client import RemoteCollection
from hub.interop.feeds.models import Feed
from hub.interop.feeds.service import unseal
from hub.interop.importer import ImportReport, import_objects
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

    def summary(self) -> str:
        """One line for people and logs."""
        return (
            f"{self.pages} pages, {self.imported.summary()}, {len(self.refused)} refused above the feed's TLP"
        )


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
) -> SyncReport:
    """Pull everything new from the feed's remote collection. Commits after every page.

    :raises requests/taxii2client errors: the remote failed; what was committed stays, the cursor with it.
    """
    remote = RemoteCollection(feed, unseal(secret_key, feed))
    p = principal_for(session, feed.user)
    default = Tlp(feed.collection.default_tlp)
    limit = Tlp(feed.tlp_max)
    page_size = page_size or PAGE_SIZE
    report = SyncReport()
    next_token: str | None = None
    try:
        while True:
            envelope = remote.get_page(
                feed.pull_cursor if next_token is None else None, next_token, page_size
            )
            objects = envelope.get("objects", [])
            allowed = []
            for obj in objects:
                if effective_tlp(obj, default) > limit:
                    report.refused.append(str(obj.get("id")))
                else:
                    allowed.append(obj)
            if allowed:
                report.imported.add(
                    import_objects(
                        session, p, feed.local_collection_id, allowed, IngestOptions(via_feed=feed.name)
                    )
                )
            report.pages += 1
            if remote.date_added_last:
                feed.pull_cursor = remote.date_added_last
            feed.last_sync_at = utcnow()
            feed.last_error = None
            session.commit()
            if progress:
                progress(len(objects))
            next_token = envelope.get("next")
            if not envelope.get("more") or not objects:
                break
            if not next_token and not remote.date_added_last:
                break  # neither `next` nor the header: nothing safe to continue from
    finally:
        remote.close()
    return report


def record_failure(session: Session, feed: Feed, error: Exception) -> None:
    """Remember why the last run failed (shown by `hub feed list`), after undoing what was not committed."""
    session.rollback()
    feed.last_error = f"{type(error).__name__}: {error}"[:2000]
    session.commit()
