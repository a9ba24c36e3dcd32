"""Importing STIX files: bundles (2.1, or 2.0 upgraded by validation), TAXII envelopes and bare JSON lists.

Files are read as a stream (`hub.interop.stix_files`), one batch ahead of the store
(`hub.interop.read_ahead`), so a file of any size costs the memory of a few batches. Each batch goes through
`hub.stix.ingest.add_objects`, the same path as TAXII POST, and is committed in turn: an import that stops
half-way keeps what was stored, and running it again stores nothing twice (identical versions are answered
"already stored").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy.orm import Session

from hub.db import refresh_stale_statistics
from hub.interop import read_ahead
from hub.interop.stix_files import in_batches
from hub.policy.principal import Principal
from hub.stix.ingest import CheckedBatch, IngestOptions, add_objects, check_objects
from hub.stix.observable_index import hub_domains

BATCH = 1000
IMPORT_STALE_SHARE = 1.0  # refresh the statistics mid-import when the table doubled


class Progress(Protocol):
    """Told after each batch: how many objects it held and, for a file, the byte offset reached."""

    def __call__(self, objects: int, position: int | None = None) -> None: ...


@dataclass(slots=True)
class ImportReport:
    """What happened to the objects of one import, in TAXII status terms."""

    total: int = 0
    stored: int = 0
    already: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    submission_ids: list[str] = field(default_factory=list)
    dropped: int = 0  # parts of the source (MISP attributes) that could not be converted at all

    @property
    def failed(self) -> int:
        """How many objects were refused."""
        return len(self.failures)

    @property
    def succeeded(self) -> int:
        """How many objects are in the collection now (new or already there)."""
        return self.stored + self.already

    def add(self, other: ImportReport) -> None:
        """Fold another report into this one."""
        self.total += other.total
        self.stored += other.stored
        self.already += other.already
        self.failures.extend(other.failures)
        self.submission_ids.extend(other.submission_ids)
        self.dropped += other.dropped

    def summary(self) -> str:
        """One line for people and logs."""
        return (
            f"{self.total} objects: {self.stored} stored, {self.already} already stored, {self.failed} failed"
        )


def import_objects(
    session: Session,
    p: Principal,
    collection_id: str,
    objects: Iterable[Any],
    options: IngestOptions | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ImportReport:
    """Ingest objects in batches of `batch`, committing each one; returns the per-object results.

    :raises NotFound: the collection is not visible to `p`. :raises PermissionDenied: `p` may not write it.
    """
    domains = hub_domains()
    batches = ((check_objects(chunk, domains), None) for chunk in in_batches(objects, batch))
    return _import_batches(session, p, collection_id, batches, options or IngestOptions(), progress)


def import_file(
    session: Session,
    p: Principal,
    collection_id: str,
    path: Path,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Stream one STIX file into a collection; `progress` gets each batch's size and the byte offset reached.

    The file is read and checked one batch ahead in a process of its own (`hub.interop.read_ahead`), while
    this one stores: a batch's store waits on the database about half its time, and reading and checking
    is most of the rest of a process's work. What `p` may store is still decided in each batch's own
    transaction.

    :raises InvalidInput: not a bundle, envelope or list of objects."""
    batches = read_ahead.checked_batches(path, BATCH, hub_domains())
    return _import_batches(session, p, collection_id, batches, options or IngestOptions(), progress)


def _import_batches(
    session: Session,
    p: Principal,
    collection_id: str,
    batches: Iterable[tuple[CheckedBatch, int | None]],
    options: IngestOptions,
    progress: Progress | None,
) -> ImportReport:
    """Store each checked batch in a transaction of its own; an empty input is still refused for a collection
    `p` may not write."""
    report = ImportReport()
    for checked, position in batches:
        report.add(_ingest(session, p, collection_id, checked, options))
        if progress:
            progress(checked.total, position)
    if report.total == 0:
        report.add(_ingest(session, p, collection_id, check_objects([], ()), options))
    return report


def _ingest(
    session: Session, p: Principal, collection_id: str, chunk: CheckedBatch, options: IngestOptions
) -> ImportReport:
    # PostgreSQL: the lookup of stored versions is planned on statistics of the table as it grows, not of the
    # empty table the import began with (that plan reads the whole collection for every batch). Once it
    # knows the table is large the plan holds as it grows (the planner scales its row estimate by the
    # table's pages), so statistics are refreshed when the table doubled: TAXII's 20 % made 8 ANALYZEs, 7 s
    # of a 60 s import of 50k objects (the CLI analyses once more at the end for the readers).
    refresh_stale_statistics(session, share=IMPORT_STALE_SHARE)
    submission = add_objects(session, p, collection_id, chunk, options)
    results = orjson.loads(submission.results)
    session.commit()
    already = sum(1 for entry in results["successes"] if entry.get("message") == "already stored")
    return ImportReport(
        total=chunk.total,
        stored=len(results["successes"]) - already,
        already=already,
        failures=list(results["failures"]),
        submission_ids=[submission.id],
    )
