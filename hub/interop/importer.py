"""Importing STIX files: bundles (2.1, or 2.0 upgraded by validation), TAXII envelopes and bare JSON lists.

Files are read as a stream (`ijson`), so a file of any size costs the memory of one batch. Each batch goes
through `hub.stix.ingest.add_objects`, the same path as TAXII POST, and is committed before the next is read:
an import that stops half-way keeps what was stored, and running it again stores nothing twice (identical
versions are answered "already stored").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import ijson
import orjson
from sqlalchemy.orm import Session

from hub.db import refresh_stale_statistics
from hub.errors import InvalidInput
from hub.policy.principal import Principal
from hub.stix.ingest import IngestOptions, add_objects

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


MISP_KEYS = frozenset(
    {"Event", "response", "Attribute", "Object", "info", "Orgc", "threat_level_id", "analysis"}
)
STIX_KEYS = frozenset({"type", "objects", "spec_version", "more"})
SNIFF_EVENTS = 10_000


def sniff_shape(handle: IO[bytes]) -> str:
    """'misp' for MISP events (wrapped in `{"Event": ...}`, bare as PyMISP writes them, in a list or the API's
    `response`), else 'list' for a JSON array and 'objects' for a bundle or envelope. Reads the first
    object's keys until one decides (a bounded number of tokens); the handle is rewound."""
    try:
        events = ijson.parse(handle)
        _, first, _ = next(events)
        if first not in ("start_map", "start_array"):
            raise InvalidInput(
                "not a STIX bundle, TAXII envelope or MISP event: the document is not a JSON object"
            )
        outer = "" if first == "start_map" else "item"
        for _, (prefix, event, value) in zip(range(SNIFF_EVENTS), events, strict=False):
            if event == "map_key" and prefix == outer and value in MISP_KEYS | STIX_KEYS:
                return "misp" if value in MISP_KEYS else "list" if outer else "objects"
    except (ijson.JSONError, StopIteration) as exc:
        raise InvalidInput(f"not a JSON document: {exc}") from None
    finally:
        handle.seek(0)
    return "list" if outer else "objects"


def stream_objects(handle: IO[bytes]) -> Iterator[Any]:
    """The objects of a bundle, an envelope or a JSON list, one at a time, never the whole file in memory."""
    shape = sniff_shape(handle)
    if shape == "misp":
        raise InvalidInput("this is a MISP event export: import it with --format misp")
    prefix = "item" if shape == "list" else "objects.item"
    try:
        yield from ijson.items(handle, prefix, use_float=True)
    except ijson.JSONError as exc:
        raise InvalidInput(f"the file is not valid JSON: {exc}") from None


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
    options = options or IngestOptions()
    report = ImportReport()
    chunk: list[Any] = []
    for obj in objects:
        chunk.append(obj)
        if len(chunk) >= batch:
            report.add(_ingest(session, p, collection_id, chunk, options))
            if progress:
                progress(len(chunk))
            chunk = []
    if chunk or report.total == 0:
        report.add(_ingest(session, p, collection_id, chunk, options))
        if progress:
            progress(len(chunk))
    return report


def import_file(
    session: Session,
    p: Principal,
    collection_id: str,
    path: Path,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Stream one STIX file into a collection; `progress` gets each batch's size and the byte offset reached.

    :raises InvalidInput: not a bundle, envelope or list of objects."""
    with path.open("rb") as handle:

        def at_byte(objects: int, position: int | None = None) -> None:
            if progress is not None:
                progress(objects, handle.tell())

        return import_objects(session, p, collection_id, stream_objects(handle), options, at_byte)


def _ingest(
    session: Session, p: Principal, collection_id: str, chunk: list[Any], options: IngestOptions
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
        total=len(chunk),
        stored=len(results["successes"]) - already,
        already=already,
        failures=list(results["failures"]),
        submission_ids=[submission.id],
    )
