"""Searching everything a reader may see: a value through the observable index, or free text.

An object matches when the latest version of it the reader may see (`is_last_visible`)
- names the value (the observable index, the value read as the lookup API reads it), or
- contains the text in its name, description, labels or aliases, or
- is the source of a visible `indicates` / `uses` / `attributed-to` relationship (its latest visible version)
  to an object of the same channel whose latest visible version contains the text: "pegasus" finds the
  indicators that indicate the Pegasus malware, but only through a relationship and a target the reader sees.

Every alias of `object_versions` here is filtered by the visibility rule, so results, totals and per-type
counts never include (or betray) what the reader may not see. Results are grouped by type, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from hub.orgs.models import Organisation
from hub.policy.principal import Principal
from hub.policy.visibility import visible
from hub.search.models import ObjectLink
from hub.search.text import contains
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import SIGHTING_OF, IndexedObservable, observable_key
from hub.stix.observables import candidates
from hub.stix.query import is_last_visible

AnySelect = Select[*tuple[Any, ...]]
RELATED = ("indicates", "uses", "attributed-to")
MIN_TEXT = 3  # the trigram indexes need three characters
PAGE_SIZE = 25
_LINK = aliased(ObjectVersion, name="search_link")
_TARGET = aliased(ObjectVersion, name="search_target")
_SIGHTING = aliased(ObjectVersion, name="search_sighting")
_SOURCE = aliased(ObjectVersion, name="search_source")
MAX_CANDIDATES = 5_000  # above this many matching versions, the database joins them itself


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What was asked. Dates are `date_added` bounds in µs (`added_to` exclusive); `producer` an organisation
    name (objects shared without attribution never match it)."""

    text: str
    types: tuple[str, ...] = ()
    tlps: tuple[int, ...] = ()
    collection_id: str | None = None
    producer: str | None = None
    added_from: int | None = None
    added_to: int | None = None
    sighted: bool = False
    page: int = 1


@dataclass(slots=True)
class SearchResults:
    """One page of results, the total, and how many of each type (all under the visibility rule)."""

    items: list[ObjectVersion] = field(default_factory=list)
    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    page: int = 1
    pages: int = 0
    read_as_value: bool = False


def search(session: Session, p: Principal, q: SearchQuery) -> SearchResults:
    """Run a search for `p`; an empty or unreadable query finds nothing."""
    text = q.text.strip()
    matched = _narrowed(session, _matched(session, p, text))
    if matched is None or not p.readable:
        return SearchResults(page=1)
    v = ObjectVersion
    base = select(v.id).where(matched, visible(p, v), is_last_visible(p, v), *_filters(session, p, q))
    by_type = dict(
        session.execute(
            select(v.type, func.count()).where(v.id.in_(base.scalar_subquery())).group_by(v.type)
        ).all()
    )
    total = sum(by_type.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(q.page, 1), pages)
    rows = session.scalars(
        select(v)
        .where(v.id.in_(base.scalar_subquery()))
        .order_by(v.type, v.date_added.desc(), v.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return SearchResults(
        list(rows), total, dict(sorted(by_type.items())), page, pages, bool(candidates(text))
    )


def found_among(session: Session, p: Principal, text: str, version_ids: Sequence[int]) -> set[int]:
    """Which of `version_ids` the search box finds for `text`, for `p`: a value through the observable
    index, a name or description, or a visible relationship (`indicates`, `uses`, `attributed-to`) to a
    visible object with the text — so a subscription to "Pegasus" hears of the indicators that indicate it."""
    matched = _matched(session, p, text.strip())
    if matched is None or not version_ids or not p.readable:
        return set()
    v = ObjectVersion
    matches = or_(*(v.id.in_(source) for source in matched))
    among = select(v.id).where(v.id.in_(list(version_ids)), matches, visible(p, v))
    return set(session.scalars(among))


def _narrowed(session: Session, sources: list[AnySelect] | None) -> ColumnElement[bool] | None:
    """ "This version is a candidate", as a list of ids when there are at most MAX_CANDIDATES of them.

    The visibility rule and "last visible version" are then checked on those few rows by their keys; given
    only sub-selects, PostgreSQL read and anti-joined every version of the readable channels for each
    search (0.7 s at 100k objects for a word that is nowhere). The probe is a UNION ALL with a limit, so a
    word found almost everywhere stops it early and keeps the sub-selects."""
    if not sources:
        return None
    probe = union_all(*sources) if len(sources) > 1 else sources[0]
    rows = list(session.scalars(probe.limit(MAX_CANDIDATES + 1)))
    if len(rows) > MAX_CANDIDATES:
        return or_(*(ObjectVersion.id.in_(source) for source in sources))
    return ObjectVersion.id.in_(set(rows))


def _matched(session: Session, p: Principal, text: str) -> list[AnySelect] | None:
    """Selects of the ids of the versions that match the text (before any visibility check), or None when
    the text can match nothing: a value through the observable index, the text in a name or description, or
    a source of a visible relationship to a visible object with the text."""
    sources: list[AnySelect] = []
    read_as = candidates(text)
    if read_as:
        keys = [observable_key(o.kind, o.value) for o in read_as]
        sources.append(
            select(IndexedObservable.version_id).where(
                IndexedObservable.key.in_(keys),
                IndexedObservable.value.in_([o.value for o in read_as]),
                IndexedObservable.kind != SIGHTING_OF,
            )
        )
    if len(text) >= MIN_TEXT:
        has_text = contains(session, text)
        sources.append(has_text)
        source = _SOURCE
        related = _sources_related_to(p, has_text)
        sources.append(select(source.id).where(tuple_(source.collection_id, source.stix_id).in_(related)))
    return sources or None


def _sources_related_to(p: Principal, has_text: AnySelect) -> AnySelect:
    """(channel, source id) of visible relationships of RELATED types whose visible target has the text."""
    link, target = _LINK, _TARGET
    targets = select(target.collection_id, target.stix_id).where(
        target.id.in_(has_text), visible(p, target), is_last_visible(p, target)
    )
    related: AnySelect = (
        select(link.collection_id, ObjectLink.source_ref)
        .join(link, link.id == ObjectLink.version_id)
        .where(
            ObjectLink.relationship_type.in_(RELATED),
            visible(p, link),
            is_last_visible(p, link),
            tuple_(link.collection_id, ObjectLink.target_ref).in_(targets),
        )
    )
    return related


def _filters(session: Session, p: Principal, q: SearchQuery) -> list[ColumnElement[bool]]:
    v = ObjectVersion
    conditions: list[ColumnElement[bool]] = []
    if q.types:
        conditions.append(v.type.in_(q.types))
    if q.tlps:
        conditions.append(v.tlp.in_(q.tlps))
    if q.collection_id:
        conditions.append(v.collection_id == q.collection_id)
    if q.added_from is not None:
        conditions.append(v.date_added >= q.added_from)
    if q.added_to is not None:
        conditions.append(v.date_added < q.added_to)
    if q.producer:
        org_ids = select(Organisation.id).where(func.lower(Organisation.name) == q.producer.strip().lower())
        conditions.append(and_(v.producer_org_id.in_(org_ids), v.is_anonymous == false()))
    if q.sighted:
        conditions.append(_has_visible_sighting(p))
    return conditions


def _has_visible_sighting(p: Principal) -> ColumnElement[bool]:
    """A sighting of the object, in its channel, whose latest visible version the reader may see."""
    s, v = _SIGHTING, ObjectVersion
    return exists(
        select(IndexedObservable.id)
        .join(s, s.id == IndexedObservable.version_id)
        .where(
            IndexedObservable.kind == SIGHTING_OF,
            IndexedObservable.value == v.stix_id,
            s.collection_id == v.collection_id,
            visible(p, s),
            is_last_visible(p, s),
        )
    )
