"""The observable lookup index: one row per observable value of every stored indicator version.

At ingest (`index_stored`, called by `hub.stix.ingest` inside its write transaction) each new indicator with
`pattern_type` `stix` gets a row per `=` comparison of its pattern (kind + normalised value, see
`hub.stix.observables`), carrying the warning-list codes of that value; each new `sighting` gets a row of kind
`sighting-of` per indicator it sights, so that lookups count sightings from the same index. `reindex` rebuilds
the table for data stored before the index existed (`hub observables reindex`).

Rows are found by `key`, a 16-byte BLAKE2b digest of kind and value: fixed size whatever the length of a URL
(PostgreSQL refuses B-tree entries above ~2.7 kB) and a small index at millions of rows. The `sighting-of`
rows are also indexed by value (an indicator id), in a partial index that holds only them: a lookup counts
the sightings of each match inside its one statement, from the match's id, where no digest can be computed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import orjson
from flask import current_app, has_app_context
from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    delete,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.db import Base, insert_values
from hub.stix.models import ObjectVersion
from hub.stix.observables import Observable, extract_observables
from hub.stix.validation import format_timestamp
from hub.stix.warninglists import Warning, warnings_for

SIGHTING_OF = "sighting-of"
# The partial index's condition, written as a literal in the statements that use it: PostgreSQL's generic
# plan of a prepared statement cannot prove a parameter equal to it, and would not use the index.
IS_SIGHTING_OF = text(f"kind = '{SIGHTING_OF}'")
INDEXED_TYPES = ("indicator", "sighting")
CHUNK = 1000


class IndexedObservable(Base):
    """One observable value of one stored object version (table `observables`)."""

    __tablename__ = "observables"
    __table_args__ = (
        Index("ix_observables_key", "key"),
        Index(
            "ix_observables_sighting_of",
            "value",
            sqlite_where=IS_SIGHTING_OF,
            postgresql_where=IS_SIGHTING_OF,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("object_versions.id", ondelete="CASCADE"),
        index=True,
    )
    collection_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)  # normalised, as `hub.stix.observables.normalise` returns it
    key: Mapped[bytes] = mapped_column(LargeBinary(16))
    warning: Mapped[str | None] = mapped_column(String(200))  # warning-list codes, comma-separated


def observable_key(kind: str, value: str) -> bytes:
    """The indexed digest of a (kind, normalised value) pair."""
    return hashlib.blake2b(f"{kind}\x00{value}".encode(), digest_size=16).digest()


def hub_domains() -> tuple[str, ...]:
    """The hub's own domains (config `HUB_DOMAINS`), which submissions should not ask anyone to block."""
    return tuple(current_app.config.get("HUB_DOMAINS", ())) if has_app_context() else ()


def observables_of(obj: dict[str, Any]) -> list[Observable]:
    """The observables of an indicator with a STIX pattern; none for other objects or bad patterns."""
    pattern = obj.get("pattern")
    if obj.get("type") != "indicator" or obj.get("pattern_type") != "stix" or not isinstance(pattern, str):
        return []
    try:
        return extract_observables(pattern)
    except ValueError:
        return []


COLUMNS = ("version_id", "collection_id", "kind", "value", "key", "warning")
Row = tuple[int, str, str, str, bytes, str | None]  # the values of `COLUMNS`, as `insert_values` takes them


class IndexedValue(NamedTuple):
    """One value an object puts in the index, with its key and the warning lists' reasons to doubt it."""

    kind: str
    value: str
    key: bytes
    warnings: tuple[Warning, ...] = ()


def index_values(obj: dict[str, Any], domains: Sequence[str]) -> tuple[IndexedValue, ...]:
    """What one object puts in the index: needs nothing but the object and the hub's own domains, so
    `hub import` works it out in its reader process, before the object's version has a row id."""
    if obj.get("type") == "sighting":
        ref = obj.get("sighting_of_ref")
        if not isinstance(ref, str):
            return ()
        return (IndexedValue(SIGHTING_OF, ref, observable_key(SIGHTING_OF, ref)),)
    return tuple(
        IndexedValue(
            observable.kind,
            observable.value,
            observable_key(observable.kind, observable.value),
            tuple(warnings_for(observable, hub_domains=domains)),
        )
        for observable in observables_of(obj)
    )


def _rows_of(
    version_id: int,
    collection_id: str,
    stix_id: str,
    values: Sequence[IndexedValue],
    flags: list[dict[str, str]],
) -> list[Row]:
    """Index rows of one stored version; its warnings are appended to `flags`."""
    rows: list[Row] = []
    for kind, value, key, warnings in values:
        flags.extend(
            {"id": stix_id, "kind": kind, "value": value, "code": w.code, "message": w.message}
            for w in warnings
        )
        codes = ",".join(w.code for w in warnings) or None
        rows.append((version_id, collection_id, kind, value, key, codes))
    return rows


def _insert(session: Session, rows: list[Row]) -> None:
    # One stream (COPY on PostgreSQL) of tuples: the ORM's and Core's per-row parameter work cost more than
    # the insert, and a dict per row more than the tuple.
    insert_values(session, cast(Table, IndexedObservable.__table__), COLUMNS, rows)


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A version ingest has just inserted: its row id, its version (µs), the object as stored and, when
    ingest worked them out already (`index_values`), the values it puts in the index."""

    id: int
    version: int
    obj: dict[str, Any]
    values: tuple[IndexedValue, ...] | None = None


def index_stored(
    session: Session, collection_id: str, stored: Sequence[StoredVersion]
) -> list[dict[str, str]]:
    """Index versions just inserted into a collection; returns their warnings, one per observable and reason:
    `{"id", "version", "kind", "value", "code", "message"}`. Runs inside the caller's transaction."""
    domains = hub_domains()
    rows: list[Row] = []
    flags: list[dict[str, str]] = []
    for version in stored:
        if version.obj.get("type") not in INDEXED_TYPES:
            continue
        values = index_values(version.obj, domains) if version.values is None else version.values
        found: list[dict[str, str]] = []
        rows.extend(_rows_of(version.id, collection_id, version.obj["id"], values, found))
        if found:
            text = format_timestamp(version.version)
            flags.extend({**flag, "version": text} for flag in found)
    _insert(session, rows)
    return flags


def reindex(session: Session, batch_size: int = CHUNK) -> int:
    """Rebuild the index rows of every stored indicator and sighting, `batch_size` versions per transaction;
    safe to run again (each batch replaces its own rows). Returns how many versions were indexed.

    A maintenance scan of all rows by id, not a read path: nothing here is shown to anyone.
    """
    domains = hub_domains()
    after, done = 0, 0
    while True:
        batch = session.execute(
            select(ObjectVersion.id, ObjectVersion.collection_id, ObjectVersion.stix_id, ObjectVersion.body)
            .where(ObjectVersion.type.in_(INDEXED_TYPES), ObjectVersion.id > after)
            .order_by(ObjectVersion.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return done
        _replace(
            session,
            [row.id for row in batch],
            (
                row
                for version in batch
                for row in _rows_of(
                    version.id,
                    version.collection_id,
                    version.stix_id,
                    index_values(orjson.loads(version.body), domains),
                    [],
                )
            ),
        )
        session.commit()
        after, done = batch[-1].id, done + len(batch)


def _replace(session: Session, version_ids: list[int], rows: Iterable[Row]) -> None:
    session.execute(delete(IndexedObservable).where(IndexedObservable.version_id.in_(version_ids)))
    _insert(session, list(rows))
