"""Filling the search tables: at ingest (inside its transaction, like the observable index) and for data
stored before they existed (migration 0016_search and `reindex`).

A link's `source_added` (`hub.search.models.ObjectLink`) is the newest `date_added` of its source in the
link's collection: read when the link is added, and raised when the source gets a newer `date_added` — by
ingest for a new version, by moderation when an approval re-stamps one (`raise_source_added`, under the
collection's write lock, so nothing newer is stored meanwhile)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import BigInteger, Executable, String, Table, bindparam, delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from hub.db import in_lists, insert_rows
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


def _source_added(session: Session, links: list[dict[str, Any]], collection_id: str | None) -> None:
    """Set `source_added` of new link rows: the newest `date_added` of the source in the link's collection
    (0 while none is stored). The links' collections are read here unless they are all in `collection_id`."""
    if not links:
        return
    channel: dict[int, str] = {}
    if collection_id is None:
        for among in in_lists(session, ObjectVersion.id, [link["version_id"] for link in links], BigInteger):
            channel.update(
                session.execute(select(ObjectVersion.id, ObjectVersion.collection_id).where(among)).all()
            )
    channels = sorted(set(channel.values())) if collection_id is None else [collection_id]
    v = ObjectVersion
    newest: dict[tuple[str, str], int] = {}
    for among in in_lists(session, v.stix_id, sorted({link["source_ref"] for link in links})):
        rows = session.execute(
            select(v.collection_id, v.stix_id, func.max(v.date_added + 0))
            .where(among, v.collection_id.in_(channels))
            .group_by(v.collection_id, v.stix_id)
        )
        newest.update(((channel_id, stix_id), added) for channel_id, stix_id, added in rows)
    for link in links:
        where = channel[link["version_id"]] if collection_id is None else collection_id
        link["source_added"] = newest.get((where, link["source_ref"]), 0)


def raise_source_added(session: Session, collection_id: str, first_added: int, last_added: int) -> None:
    """After ingest stored new versions in the collection, or an approval re-stamped one (`date_added` from
    `first_added` to `last_added`, the newest there, under its write lock): the collection's links from those
    objects get their newest `date_added`. Before the new links are added. The new versions' ids are read in
    the database through the `(collection_id, date_added)` index, not shipped: 5,000 ids as a parameter cost
    14 ms per batch on PostgreSQL and 50 ms on SQLite (ten IN lists), most of it in Python. The newest date is
    a `max` of `date_added + 0`: of the column itself, SQLite read the collection's `(collection_id,
    date_added)` index backwards for each link until the source's row came (40 ms a batch of 5,000 with 50
    links)."""
    params = {"collection_id": collection_id, "first_added": first_added, "last_added": last_added}
    session.execute(_RAISE_SOURCE_ADDED, params)


def _raise_source_added() -> Executable:
    """The statement of `raise_source_added`, built once: it runs under the collection's write lock for
    every envelope and import batch, and building it (two `aliased` copies of every column, subqueries)
    cost 1.6 ms a call, ten times running it on a collection without links."""
    link = aliased(ObjectVersion, name="link_version")
    source = aliased(ObjectVersion, name="source_version")
    collection_id = bindparam("collection_id", type_=String)
    new = select(ObjectVersion.stix_id).where(
        ObjectVersion.collection_id == collection_id,
        ObjectVersion.date_added.between(
            bindparam("first_added", type_=BigInteger), bindparam("last_added", type_=BigInteger)
        ),
    )
    newest = (
        select(func.max(source.date_added + 0))
        .where(source.collection_id == collection_id, source.stix_id == ObjectLink.source_ref)
        .scalar_subquery()
    )
    in_collection = exists().where(link.id == ObjectLink.version_id, link.collection_id == collection_id)
    return (
        update(ObjectLink)
        .where(ObjectLink.source_ref.in_(new.scalar_subquery()), in_collection)
        .values(source_added=newest)
        .execution_options(synchronize_session=False)
    )


_RAISE_SOURCE_ADDED = _raise_source_added()


def _insert(
    session: Session,
    texts: list[dict[str, Any]],
    links: list[dict[str, Any]],
    collection_id: str | None = None,
) -> None:
    """Store the search rows of new versions, the links with their `source_added` first (`collection_id`:
    the one collection they are all in, when the caller knows it)."""
    _source_added(session, links, collection_id)
    for model, rows in ((SearchText, texts), (ObjectLink, links)):
        insert_rows(session, cast(Table, model.__table__), rows)  # one stream (COPY on PostgreSQL)


def index_for_search(
    session: Session, stored: Sequence[StoredVersion], collection_id: str | None = None
) -> None:
    """Add the search rows of versions ingest has just inserted, in the caller's transaction (all in
    `collection_id` when it is given)."""
    _insert(session, *_rows((version.id, version.obj) for version in stored), collection_id)


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
