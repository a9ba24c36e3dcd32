"""Exports of what one principal may see: STIX 2.1 bundles, written as a stream.

Every read goes through `hub.stix.query.list_versions` (the visibility rule, keyset paging on `date_added`),
one collection after another, so an export of any size holds one page in memory. Stored bodies are spliced
into the output as they are (they already carry the effective TLP marking).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy.orm import Session

from hub.policy.principal import Principal
from hub.policy.tlp import LEVEL_BY_MARKING_ID, Tlp, official_marking_text
from hub.sharing.service import get_collection_for
from hub.stix.models import ObjectVersion
from hub.stix.query import ALL, LAST, ObjectFilter, list_versions

PAGE = 1000


@dataclass(frozen=True, slots=True)
class ExportScope:
    """What to export: one collection or every readable one, up to a TLP level, last or all versions."""

    collection_id: str | None = None
    tlp_max: Tlp = Tlp.RED
    all_versions: bool = False
    # told how many rows each page read brought (a progress display); not part of what is exported
    on_page: Callable[[int], None] | None = field(default=None, compare=False)


def scope_collections(session: Session, p: Principal, scope: ExportScope) -> list[str]:
    """The collection ids the export reads. :raises NotFound: the named collection is not visible to `p`."""
    if scope.collection_id is not None:
        return [get_collection_for(session, p, scope.collection_id).id]
    return sorted(p.readable)


def iter_visible(
    session: Session, p: Principal, scope: ExportScope, types: tuple[str, ...] = ()
) -> Iterator[ObjectVersion]:
    """Every version `p` may see within the scope, page by page (keyset on `date_added` per collection)."""
    f = ObjectFilter(
        types=types,
        versions=(ALL,) if scope.all_versions else (LAST,),
        tlps=tuple(range(int(scope.tlp_max) + 1)),
    )
    for collection_id in scope_collections(session, p, scope):
        after: int | None = None
        while True:
            page = list_versions(session, p, collection_id, f, PAGE, after)
            if scope.on_page is not None:
                scope.on_page(len(page.items))
            yield from page.items
            if not page.more:
                break
            after = page.next_after


def served_body(row: ObjectVersion) -> str:
    """The JSON text an export writes for a stored version: an official TLP marking definition is always
    written as the official text, even over a forgery an older hub stored, since readers trust these ids."""
    return official_marking_text(row.stix_id) or row.body


class BundleWriter:
    """Writes a STIX 2.1 bundle piece by piece, closed with the official TLP marking definitions (2.0 and
    1.0) it references and does not hold yet."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._count = 0
        self._referenced: set[str] = set()
        self._written_ids: set[str] = set()
        out.write(f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":[')

    @property
    def count(self) -> int:
        """How many objects were written so far (marking definitions included once closed)."""
        return self._count

    def write(self, body: str, stix_id: str) -> None:
        """Append one object given as JSON text (an official TLP marking definition: its official text)."""
        if stix_id in self._written_ids:
            return
        body = official_marking_text(stix_id) or body
        self._out.write(("," if self._count else "") + "\n" + body)
        self._count += 1
        if stix_id.startswith("marking-definition--"):
            self._written_ids.add(stix_id)
        self._referenced.update(marking_id for marking_id in LEVEL_BY_MARKING_ID if marking_id in body)

    def close(self) -> int:
        """Add the referenced TLP marking definitions still missing, end the bundle; return the count."""
        for marking_id in sorted(
            self._referenced - self._written_ids, key=lambda m: (LEVEL_BY_MARKING_ID[m], m)
        ):
            self.write(official_marking_text(marking_id) or "", marking_id)
        self._out.write("\n]}\n")
        return self._count


def export_stix(session: Session, p: Principal, scope: ExportScope, out: IO[str]) -> int:
    """Write a STIX 2.1 bundle of what `p` may see in the scope; returns how many objects it holds.

    An object stored in several collections is written once per distinct version.
    """
    writer = BundleWriter(out)
    several = scope.collection_id is None and len(p.readable) > 1
    seen: set[tuple[str, int]] = set()
    for row in iter_visible(session, p, scope):
        if several:
            key = (row.stix_id, row.version)
            if key in seen:
                continue
            seen.add(key)
        writer.write(row.body, row.stix_id)
    return writer.close()
