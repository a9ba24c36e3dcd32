"""Filling the search tables: at ingest (inside its transaction, like the observable index) and for data
stored before they existed (migration 0016_search and `reindex`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from hub.db import insert_rows
from hub.search.models import ObjectLink, SearchText
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import StoredVersion

CHUNK = 1000
TEXT_PROPERTIES = ("name", "description")
LIST_PROPERTIES = ("labels", "aliases")


def searchable_text(obj: dict[str, Any]) -> str:
    """Name, description, labels and aliases of an object, one per line; empty when it has none."""
    parts = [obj[key] for key in TEXT_PROPERTIES if isinstance(obj.get(key), str)]
    for key in LIST_PROPERTIES:
        values = obj.get(key)
        if isinstance(values, list):
            parts.extend(value for value in values if isinstance(value, str))
    return "\n".join(part.strip() for part in parts if part.strip())


def _link(version_id: int, obj: dict[str, Any]) -> dict[str, Any] | None:
    ends = (obj.get("relationship_type"), obj.get("source_ref"), obj.get("target_ref"))
    if obj.get("type") != "relationship" or not all(isinstance(end, str) for end in ends):
        return None
    kind, source, target = cast(tuple[str, str, str], ends)
    return {"version_id": version_id, "relationship_type": kind, "source_ref": source, "target_ref": target}


def _rows(
    versions: Iterable[tuple[int, dict[str, Any]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    texts, links = [], []
    for version_id, obj in versions:
        text = searchable_text(obj)
        if text:
            texts.append({"version_id": version_id, "text": text})
        link = _link(version_id, obj)
        if link is not None:
            links.append(link)
    return texts, links


def _insert(session: Session, texts: list[dict[str, Any]], links: list[dict[str, Any]]) -> None:
    for model, rows in ((SearchText, texts), (ObjectLink, links)):
        insert_rows(session, cast(Table, model.__table__), rows)  # one stream (COPY on PostgreSQL)


def index_for_search(session: Session, stored: Sequence[StoredVersion]) -> None:
    """Add the search rows of versions ingest has just inserted, in the caller's transaction."""
    _insert(session, *_rows((version.id, version.obj) for version in stored))


def reindex(session: Session, batch_size: int = CHUNK) -> int:
    """Rebuild the search rows of every stored version, a batch per transaction; safe to run again.
    A maintenance scan by id, not a read path: nothing here is shown to anyone."""
    after, done = 0, 0
    while True:
        batch = session.execute(
            select(ObjectVersion.id, ObjectVersion.body)
            .where(ObjectVersion.id > after)
            .order_by(ObjectVersion.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return done
        ids = [row.id for row in batch]
        session.execute(delete(SearchText).where(SearchText.version_id.in_(ids)))
        session.execute(delete(ObjectLink).where(ObjectLink.version_id.in_(ids)))
        _insert(session, *_rows((row.id, orjson.loads(row.body)) for row in batch))
        session.commit()
        after, done = ids[-1], done + len(batch)
