"""`is_latest` of stored versions: true only while no newer version of the object is in its collection.

`match[version]=last` means the last version *the reader may see* (`hub.stix.query.is_last_visible`): for
each row of a page the database looked for a newer visible version of the same object (an anti-join probe
per row), which is most of a page of 1,000 on PostgreSQL. A version that has no newer version at all is the
last one of every reader who may see it, whatever the reader, so the probe is needed only for rows whose flag
is off. The flag is about existence only (never about TLP or moderation state), so a state change or a TLP
raised by a tighter newer version leaves it true.

The rule that keeps it right: the flag may be false where it could be true (the probe then answers, as
before), never true where a newer version exists. Ingest sets it for the rows it inserts and clears it on
the versions they supersede, in the same transaction and under the collection's write lock that orders
`date_added`; a deletion sets it on the newest remaining version under the same lock. Rows inserted by any
other means (tests, older migrations) default to false, the safe side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import exists, update
from sqlalchemy.orm import Session, aliased

from hub.stix.models import ObjectVersion

CHUNK = 500
_NEWER = aliased(ObjectVersion, name="newer_version")
# A newer version of the same object in the same collection is stored.
_SUPERSEDED = exists().where(
    _NEWER.collection_id == ObjectVersion.collection_id,
    _NEWER.stix_id == ObjectVersion.stix_id,
    _NEWER.version > ObjectVersion.version,
)


def flag_rows(rows: list[dict[str, Any]], stored: Mapping[str, Mapping[int, object]]) -> set[str]:
    """Set `is_latest` on new `object_versions` rows of ingest, given every version of their objects that will
    be stored once they are (`stored`: stix id -> versions, old and new). Returns the ids that have more than
    one version: their older rows must then be cleared (`clear_superseded`) after the insert."""
    several = {stix_id for stix_id in {row["stix_id"] for row in rows} if len(stored[stix_id]) > 1}
    newest = {stix_id: max(stored[stix_id]) for stix_id in several}
    for row in rows:
        stix_id = row["stix_id"]
        row["is_latest"] = stix_id not in newest or row["version"] == newest[stix_id]
    return several


def clear_superseded(session: Session, collection_id: str, stix_ids: Iterable[str]) -> None:
    """Clear the flag of every version of these objects that a newer stored version supersedes (under the
    collection's write lock, in the transaction that inserted the newer one)."""
    _set(session, collection_id, sorted(stix_ids), False)


def mark_newest(session: Session, collection_id: str, stix_ids: Iterable[str]) -> None:
    """After versions of these objects were deleted, flag the newest that remain. The caller holds the
    collection's write lock (the one ingest takes), so no version can be inserted meanwhile."""
    _set(session, collection_id, sorted(stix_ids), True)


def _set(session: Session, collection_id: str, ids: list[str], value: bool) -> None:
    condition = _SUPERSEDED if not value else ~_SUPERSEDED
    for start in range(0, len(ids), CHUNK):
        session.execute(
            update(ObjectVersion)
            .where(
                ObjectVersion.collection_id == collection_id,
                ObjectVersion.stix_id.in_(ids[start : start + CHUNK]),
                ObjectVersion.is_latest.is_(not value),
                condition,
            )
            .values(is_latest=value)
            .execution_options(synchronize_session="fetch")
        )
