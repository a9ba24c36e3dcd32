"""Correlation, "already in the hub N times": where else a value appears, among what the reader may see.

A value is read exactly as the lookup API reads it (`hub.stix.observables.candidates`: defanged `hxxp` and
`[.]` refanged, case and trailing dots normalised, a URL also read as its host), then found through the
observable index. An *occurrence* is one indicator in one channel whose latest version the reader may see
names the value; for each one the reader learns its channel, TLP, producer (none when it was shared without
attribution: readers see the hub as the source), when the hub first and last saw it, and how many sightings
of it the reader may see.

Every query starts from the visibility rule (`hub.policy.visibility.visible`) and keeps only the latest
version the reader may see (`is_last_visible`), so an invisible indicator, version or sighting changes
nothing here, not even a count. Used by the share preview, bulk paste and upload summaries, and publishing
from a report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, aliased

from hub.orgs.models import Organisation
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.policy.visibility import visible
from hub.sharing.models import Collection
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import SIGHTING_OF, IndexedObservable, observable_key
from hub.stix.observables import Observable, candidates
from hub.stix.query import is_last_visible

CHUNK = 500  # digests per query: well under SQLite's and psycopg's parameter limits
_SIGHTING = aliased(ObjectVersion, name="correlated_sighting")


@dataclass(slots=True)
class Occurrence:
    """One visible indicator, in one channel, that names the value (read from its latest visible version).

    `producer` is the organisation that shared it, or None when it was shared without attribution (shown as
    "the hub"). `first_seen` and `last_seen` are `date_added` values (µs) of its visible versions and of the
    visible sightings of it; `matched` is the observable of the value that it names.
    """

    collection_id: str
    collection_title: str
    stix_id: str
    name: str | None
    tlp: Tlp
    producer: str | None
    first_seen: int
    last_seen: int
    matched: Observable
    sightings: int = 0


@dataclass(slots=True)
class Correlation:
    """A value, what it was read as, and where it already is."""

    value: str
    read_as: list[Observable]
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many times the value is already in the hub, as far as the reader may see."""
        return len(self.occurrences)


def correlate(session: Session, p: Principal, values: Sequence[str]) -> list[Correlation]:
    """Correlate every value (as typed: defanged, mixed case...), in order."""
    return correlate_observables(session, p, [(value, candidates(value)) for value in values])


def correlate_observables(
    session: Session, p: Principal, values: Sequence[tuple[str, Sequence[Observable]]]
) -> list[Correlation]:
    """Correlate values already read as observables: `(label, observables)` pairs, in order."""
    results = [Correlation(label, list(dict.fromkeys(read_as))) for label, read_as in values]
    wanted = {observable_key(o.kind, o.value): o for result in results for o in result.read_as}
    if not wanted or not p.readable:
        return results
    found = _indicators(session, p, wanted)
    if not found:
        return results
    places = {(row.collection_id, row.stix_id) for _, row in found}
    seen = _seen(session, p, places)
    sightings = visible_sightings(session, p, places)
    producers = names_of(session, Organisation, {row.producer_org_id for _, row in found})
    titles = names_of(session, Collection, {row.collection_id for _, row in found})
    by_observable: dict[Observable, list[Any]] = {}
    for observable, row in found:
        by_observable.setdefault(observable, []).append(row)
    for result in results:
        listed: dict[tuple[str, str], Occurrence] = {}
        for observable in result.read_as:
            for row in by_observable.get(observable, []):
                place = (row.collection_id, row.stix_id)
                if place in listed:
                    continue
                first, last = seen[place]
                count, sighted = sightings.get(place, (0, last))
                listed[place] = Occurrence(
                    collection_id=row.collection_id,
                    collection_title=titles.get(row.collection_id, ""),
                    stix_id=row.stix_id,
                    name=_name(row.body),
                    tlp=Tlp(row.tlp),
                    producer=None if row.is_anonymous else producers.get(row.producer_org_id),
                    first_seen=first,
                    last_seen=max(last, sighted),
                    matched=observable,
                    sightings=count,
                )
        result.occurrences = sorted(listed.values(), key=lambda o: o.last_seen, reverse=True)
    return results


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _indicators(
    session: Session, p: Principal, wanted: dict[bytes, Observable]
) -> list[tuple[Observable, Any]]:
    """(observable, row) for each latest visible indicator version whose pattern names a wanted observable."""
    v = ObjectVersion
    found: list[tuple[Observable, Any]] = []
    for keys in _chunks(sorted(wanted)):
        statement = (
            select(
                IndexedObservable.key,
                IndexedObservable.kind,
                IndexedObservable.value,
                v.stix_id,
                v.collection_id,
                v.tlp,
                v.producer_org_id,
                v.is_anonymous,
                v.body,
            )
            .join(v, v.id == IndexedObservable.version_id)
            .where(
                IndexedObservable.key.in_(keys), v.type == "indicator", visible(p, v), is_last_visible(p, v)
            )
        )
        for row in session.execute(statement):
            observable = wanted[row.key]
            if (observable.kind, observable.value) == (row.kind, row.value):  # never a digest collision
                found.append((observable, row))
    return found


def _seen(
    session: Session, p: Principal, places: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """First and last `date_added` of the visible versions of each (channel, indicator)."""
    v = ObjectVersion
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    for ids in _chunks(sorted({stix_id for _, stix_id in places})):
        statement = (
            select(v.collection_id, v.stix_id, func.min(v.date_added), func.max(v.date_added))
            .where(v.stix_id.in_(ids), visible(p, v))
            .group_by(v.collection_id, v.stix_id)
        )
        for collection_id, stix_id, first, last in session.execute(statement):
            if (collection_id, stix_id) in places:
                seen[(collection_id, stix_id)] = (first, last)
    return seen


def visible_sightings(
    session: Session, p: Principal, places: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """How many distinct visible sightings (latest visible versions) each (channel, indicator) has in its own
    channel, and when the last of them was added."""
    s = _SIGHTING
    counted: dict[tuple[str, str], tuple[int, int]] = {}
    for ids in _chunks(sorted({stix_id for _, stix_id in places})):
        statement = (
            select(
                IndexedObservable.value,
                s.collection_id,
                func.count(distinct(s.stix_id)),
                func.max(s.date_added),
            )
            .join(s, s.id == IndexedObservable.version_id)
            .where(
                IndexedObservable.key.in_([observable_key(SIGHTING_OF, stix_id) for stix_id in ids]),
                IndexedObservable.kind == SIGHTING_OF,
                s.type == "sighting",
                visible(p, s),
                is_last_visible(p, s),
            )
            .group_by(IndexedObservable.value, s.collection_id)
        )
        for stix_id, collection_id, count, last in session.execute(statement):
            if (collection_id, stix_id) in places:
                counted[(collection_id, stix_id)] = (count, last)
    return counted


def names_of(session: Session, model: type[Organisation] | type[Collection], ids: set[Any]) -> dict[Any, str]:
    """Organisation names or channel titles by id (only of rows the reader already sees objects of)."""
    ids.discard(None)
    if not ids:
        return {}
    if model is Organisation:
        return dict(
            session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all()
        )
    return dict(session.execute(select(Collection.id, Collection.title).where(Collection.id.in_(ids))).all())


def _name(body: str) -> str | None:
    name = orjson.loads(body).get("name")
    return name if isinstance(name, str) else None
