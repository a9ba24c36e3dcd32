"""Searching everything a reader may see: a value through the observable index, or free text.

An object matches when the latest version of it the reader may see (`is_last_visible`)
- names the value (the observable index, the value read as the lookup API reads it), or
- contains the text in its name, description, labels or aliases, or
- is the source of a visible `indicates` / `uses` / `attributed-to` relationship (its latest visible version)
  to an object of the same channel whose latest visible version contains the text: "pegasus" finds the
  indicators that indicate the Pegasus malware, but only through a relationship and a target the reader sees.

Every alias of `object_versions` here is filtered by the visibility rule, so results, totals and per-type
counts never include (or betray) what the reader may not see. Results are grouped by type, newest first.
Above COUNT_CAP visible matches, the newest COUNT_CAP are the results and the total says "more than": how
many more is never counted, so a word in a million names costs what a thousand do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
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
from hub.search.text import contained_in, contains
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
MAX_CANDIDATES = 20_000  # above this many matching versions, the newest matches are read in order instead
COUNT_CAP = 1_000  # results beyond the newest 1,000 are not counted: "more than 1,000"


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
    """One page of results, the total, and how many of each type (all under the visibility rule).

    `capped`: more than `total` (= COUNT_CAP) objects match; the results are the newest `total` of them,
    grouped by type, and `by_type` counts those."""

    items: list[ObjectVersion] = field(default_factory=list)
    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    page: int = 1
    pages: int = 0
    read_as_value: bool = False
    capped: bool = False


@dataclass(frozen=True, slots=True)
class _Found:
    """A result row before its page is loaded: what ordering and counting need."""

    id: int
    type: str
    date_added: int


def search(session: Session, p: Principal, q: SearchQuery) -> SearchResults:
    """Run a search for `p`; an empty or unreadable query finds nothing.

    Few candidates (at most MAX_CANDIDATES versions name the value or contain the text, or are related to
    one that does): their ids are collected through the indexes and the visibility rule is checked on those
    rows only. More: the reader's channels are read newest first, and the reading stops at COUNT_CAP + 1
    visible matches, so a word found in a million names never counts a million rows. Either way, above
    COUNT_CAP matches the newest COUNT_CAP are the results (`capped`)."""
    text = q.text.strip()
    if not p.readable:
        return SearchResults(page=1)
    ids = _candidate_ids(session, p, text)
    rows = _newest_matches(session, p, q, text) if ids is None else _checked(session, p, q, ids)
    found = rows[:COUNT_CAP]
    by_type: dict[str, int] = {}
    for row in found:
        by_type[row.type] = by_type.get(row.type, 0) + 1
    found.sort(key=lambda row: (row.type, -row.date_added, -row.id))
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(q.page, 1), pages)
    chosen = [row.id for row in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    loaded = {v.id: v for v in session.scalars(select(ObjectVersion).where(ObjectVersion.id.in_(chosen)))}
    return SearchResults(
        [loaded[i] for i in chosen],
        len(found),
        dict(sorted(by_type.items())),
        page,
        pages,
        bool(candidates(text)),
        len(rows) > COUNT_CAP,
    )


def _checked(session: Session, p: Principal, q: SearchQuery, ids: set[int]) -> list[_Found]:
    """The newest COUNT_CAP + 1 candidates that are the latest version the reader may see of an object
    and pass the filters. Sorted here: given ORDER BY and LIMIT, PostgreSQL walks the channel newest first
    looking for the ids (0.5 s for 10,000 ids at 1M objects) instead of fetching them by key."""
    if not ids:
        return []
    v = ObjectVersion
    rows = session.execute(
        select(v.id, v.type, v.date_added).where(
            v.id.in_(ids), visible(p, v), is_last_visible(p, v), *_filters(session, p, q)
        )
    )
    found = sorted((_Found(*row) for row in rows), key=lambda row: (-row.date_added, -row.id))
    return found[: COUNT_CAP + 1]


def _newest_matches(session: Session, p: Principal, q: SearchQuery, text: str) -> list[_Found]:
    """The newest COUNT_CAP + 1 matches, read newest first in each channel (and type) through the
    `(collection_id, date_added)` / `(collection_id, type, date_added)` indexes, each row checked as it
    comes: matches, is visible, is the latest visible version, passes the filters."""
    v = ObjectVersion
    matched = _matched_row(session, p, text)
    channels = sorted(p.readable if q.collection_id is None else p.readable & {q.collection_id})
    shared = [matched, visible(p, v), is_last_visible(p, v), *_filters(session, p, q)]
    branches: list[AnySelect] = []
    for channel in channels:
        kinds: list[tuple[str, ...]] = [(kind,) for kind in q.types] or [()]
        for kind in kinds:
            branches.append(
                select(v.id, v.type, v.date_added)
                .where(v.collection_id == channel, *(v.type == k for k in kind), *shared)
                .order_by(v.date_added.desc(), v.id.desc())
                .limit(COUNT_CAP + 1)
                .subquery()
                .select()
            )
    if not branches:
        return []
    rows = [_Found(*row) for row in session.execute(union_all(*branches))]
    rows.sort(key=lambda row: (-row.date_added, -row.id))
    return rows[: COUNT_CAP + 1]


def _matched_row(session: Session, p: Principal, text: str) -> ColumnElement[bool]:
    """ "This row matches", checked row by row: names the value, contains the text, or is the source of a
    visible related link to a visible object with the text (collected once, from the links' side: the
    targets of links are few beside the versions a common word is in)."""
    v, t = ObjectVersion, _TARGET
    choices: list[ColumnElement[bool]] = []
    values = _value_ids(text)
    if values is not None:
        choices.append(v.id.in_(values.scalar_subquery()))
    if len(text) >= MIN_TEXT:
        choices.append(contained_in(session, text, v.id))
        linked = select(ObjectLink.target_ref).where(ObjectLink.relationship_type.in_(RELATED))
        is_target = and_(t.stix_id.in_(linked.scalar_subquery()), contained_in(session, text, t.id))
        related = _related_sources(session, p, is_target, cap=None)
        if related:
            choices.append(v.id.in_(related))
    return or_(*choices) if choices else false()


def _candidate_ids(session: Session, p: Principal, text: str) -> set[int] | None:
    """The ids of the versions that match the text (before any visibility check of their own), or None
    when there are more than MAX_CANDIDATES: a value through the observable index, the text in a name or
    description, or a source of a visible related link to a visible object with the text."""
    if len(text) < MIN_TEXT and not candidates(text):
        return set()
    first = min(COUNT_CAP, MAX_CANDIDATES)
    rows = session.execute(_probe(session, text, first + 1)).all()
    if len(rows) > first:  # many: count them in the database before fetching them all
        many = _probe(session, text, MAX_CANDIDATES + 1)
        if (session.scalar(select(func.count()).select_from(many.subquery())) or 0) > MAX_CANDIDATES:
            return None
        rows = session.execute(many).all()
    ids = {version_id for version_id, _ in rows}
    texts = [version_id for version_id, has_text in rows if has_text]
    if texts:
        related = _related_sources(session, p, _TARGET.id.in_(texts), cap=MAX_CANDIDATES - len(ids))
        if related is None:
            return None
        ids.update(related)
    return ids


def _probe(session: Session, text: str, limit: int) -> CompoundSelect[*tuple[Any, ...]]:
    """At most `limit` ids of the versions naming the value and of those with the text (three characters
    or more; one of the two there is), each with whether it has the text."""
    probes: list[AnySelect] = []
    values = _value_ids(text)
    if values is not None:
        probes.append(values.add_columns(literal(False)).limit(limit).subquery().select())
    if len(text) >= MIN_TEXT:
        probes.append(contains(session, text).add_columns(literal(True)).limit(limit).subquery().select())
    return union_all(*probes)


def _value_ids(text: str) -> AnySelect | None:
    """The versions that name the text read as a value (domain, IP, hash...), or None if it is none."""
    read_as = candidates(text)
    if not read_as:
        return None
    keys = [observable_key(o.kind, o.value) for o in read_as]
    return select(IndexedObservable.version_id).where(
        IndexedObservable.key.in_(keys),
        IndexedObservable.value.in_([o.value for o in read_as]),
        IndexedObservable.kind != SIGHTING_OF,
    )


def _related_sources(
    session: Session, p: Principal, is_target: ColumnElement[bool], cap: int | None
) -> set[int] | None:
    """The versions of the sources of the visible related links (their latest visible version) to the
    objects whose latest visible version `is_target`, in the same channel; None when there are more than
    `cap`. Two steps, each an index lookup by the previous one's values: the targets, then the links to
    them by `target_ref`, their versions and the sources by channel and id. (As one join, SQLite's planner
    started from the links: 10 s for a word in 20,000 names.)"""
    t = _TARGET
    rows = session.execute(
        select(t.collection_id, t.stix_id).where(is_target, visible(p, t), is_last_visible(p, t))
    )
    targets = {(channel, stix_id) for channel, stix_id in rows}
    if not targets:
        return set()
    link, s = _LINK, _SOURCE
    links = select(ObjectLink.version_id).where(
        ObjectLink.target_ref.in_({stix_id for _, stix_id in targets}),
        ObjectLink.relationship_type.in_(RELATED),
    )
    query = (
        select(s.id, link.collection_id, ObjectLink.target_ref)
        .select_from(ObjectLink)
        .join(link, link.id == ObjectLink.version_id)
        .join(s, and_(s.collection_id == link.collection_id, s.stix_id == ObjectLink.source_ref))
        .where(
            link.id.in_(links.scalar_subquery()),  # SQLite's planner starts here, not at the channel
            visible(p, link),
            is_last_visible(p, link),
        )
    )
    if cap is not None:
        query = query.limit(cap + 1)
    found = session.execute(query).all()
    if cap is not None and len(found) > cap:
        return None
    return {version_id for version_id, channel, target in found if (channel, target) in targets}


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


def _matched(session: Session, p: Principal, text: str) -> list[AnySelect] | None:
    """Selects of the ids of the versions that match the text (before any visibility check), or None when
    the text can match nothing: a value through the observable index, the text in a name or description, or
    a source of a visible relationship to a visible object with the text."""
    sources: list[AnySelect] = []
    values = _value_ids(text)
    if values is not None:
        sources.append(values)
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
