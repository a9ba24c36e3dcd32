"""Writing to the outbox. Callers pass the session of the change that causes the event, so the event
commits or
rolls back with it: a crash can neither lose one nor send one for a change that never happened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session, scoped_session

from hub.db import now_us
from hub.notify.models import Event

OBJECTS_PER_EVENT = 100


def emit(session: Session | scoped_session[Session], kind: str, **refs: Any) -> None:
    """Queue an event about the ids in `refs` (never content: the worker reads what it needs when it
    sends)."""
    session.add(Event(kind=kind, payload=orjson.dumps(refs).decode(), created_us=now_us(), expanded=False))


def emit_objects(
    session: Session | scoped_session[Session], collection_id: str, version_ids: Sequence[int]
) -> None:
    """Queue `objects.added` events for versions just stored or published, in slices of a bounded size."""
    if not version_ids:
        return
    stamp = now_us()
    rows = [
        {
            "kind": "objects.added",
            "payload": orjson.dumps(
                {"collection_id": collection_id, "version_ids": list(version_ids[i : i + OBJECTS_PER_EVENT])}
            ).decode(),
            "created_us": stamp,
            "expanded": False,
        }
        for i in range(0, len(version_ids), OBJECTS_PER_EVENT)
    ]
    table: Table = Event.__table__  # type: ignore[assignment]
    session.execute(insert(table), rows)
