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
    BigInteger,
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
from sqlalchemy import text as sql
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
MAX_CANDIDATES = 20_000  # above this many matching versions, the newest are read in order instead
COUNT_CAP = 1_000  # results beyond the newest 1,000 are not counted: "more than 1,000"
WINDOW = 2  # a common word is first looked for in the newest WINDOW * (COUNT_CAP + 1) versions of a channel


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

    The direct matches (the value, the text) and the related ones (sources of links to a threat with the
    text) are found apart, each as its newest COUNT_CAP + 1 visible matches, and merged: above COUNT_CAP
    matches the newest COUNT_CAP are the results (`capped`)."""
    text = q.text.strip()
    if not p.readable:
        return SearchResults(page=1)
    rows = _matches(session, p, q, text)
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


def _matches(session: Session, p: Principal, q: SearchQuery, text: str) -> list[_Found]:
    """The newest COUNT_CAP + 1 visible matches, newest first.

    At most COUNT_CAP versions name the value or contain the text (the usual case): their rows are checked
    by key. More (a common word): the reader's channels are read newest first, each row checked as it
    comes — first only their newest WINDOW * (COUNT_CAP + 1) rows, which answers when the word is in most
    names; else up to MAX_CANDIDATES of them are checked by key, and above that the channels are read to
    the end. The sources of related links to a threat with the text are found apart (`_related`)."""
    if len(text) < MIN_TEXT and not candidates(text):
        return []
    rows = session.execute(_probe(session, text, COUNT_CAP + 1)).all()
    if len(rows) <= COUNT_CAP:
        texts = [version_id for version_id, has_text in rows if has_text]
        targets = _targets(session, p, _TARGET.id.in_(texts)) if texts else set()
        direct = _checked(session, p, q, {version_id for version_id, _ in rows})
        return _merged(direct, _related(session, p, q, targets))
    targets = set()
    if len(text) >= MIN_TEXT:  # from the links' side: the targets of links are few beside a word's versions
        linked = select(ObjectLink.target_ref).where(ObjectLink.relationship_type.in_(RELATED))
        with_text = contained_in(session, text, _TARGET.id)
        targets = _targets(session, p, and_(_TARGET.stix_id.in_(linked.scalar_subquery()), with_text))
    return _merged(_common(session, p, q, text), _related(session, p, q, targets))


def _common(session: Session, p: Principal, q: SearchQuery, text: str) -> list[_Found]:
    """The newest direct matches of a text found in more than COUNT_CAP versions."""
    matched = _direct_row(session, text)
    rows = _newest_matches(session, p, q, matched, window=WINDOW * (COUNT_CAP + 1))
    if rows is not None:
        return rows
    many = _probe(session, text, MAX_CANDIDATES + 1)
    if (session.scalar(select(func.count()).select_from(many.subquery())) or 0) > MAX_CANDIDATES:
        return _newest_matches(session, p, q, matched, window=None) or []
    return _checked(session, p, q, {version_id for version_id, _ in session.execute(many)})


def _merged(first: list[_Found], second: list[_Found]) -> list[_Found]:
    """The newest COUNT_CAP + 1 of two lists of matches (a version may be in both)."""
    if not second:
        return first
    rows = list({row.id: row for row in [*first, *second]}.values())
    rows.sort(key=lambda row: (-row.date_added, -row.id))
    return rows[: COUNT_CAP + 1]


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


def _newest_matches(
    session: Session, p: Principal, q: SearchQuery, matched: ColumnElement[bool], window: int | None
) -> list[_Found] | None:
    """The newest COUNT_CAP + 1 rows that are `matched`, read newest first in each channel (and type)
    through the `(collection_id, date_added)` / `(collection_id, type, date_added)` indexes, each row checked
    as it comes: matches, is visible, is the latest visible version, passes the filters.

    With a `window`, each branch reads only its newest `window` rows (an index condition on `date_added`, so
    the reading stops there) and the answer holds only if every branch found COUNT_CAP + 1 matches in it
    (then they are its newest); otherwise None."""
    v = ObjectVersion
    channels = sorted(p.readable if q.collection_id is None else p.readable & {q.collection_id})
    shared = [matched, visible(p, v), is_last_visible(p, v), *_filters(session, p, q)]
    branches: list[AnySelect] = []
    for channel in channels:
        kinds: list[tuple[str, ...]] = [(kind,) for kind in q.types] or [()]
        for kind in kinds:
            where = [v.collection_id == channel, *(v.type == k for k in kind)]
            if window is not None:
                where.append(v.date_added >= _window_start(where, window))
            branches.append(
                select(v.id, v.type, v.date_added, literal(len(branches)))
                .where(*where, *shared)
                .order_by(v.date_added.desc(), v.id.desc())
                .limit(COUNT_CAP + 1)
                .subquery()
                .select()
            )
    if not branches:
        return []
    found: dict[int, list[_Found]] = {}
    for version_id, kind, added, branch in session.execute(union_all(*branches)):
        found.setdefault(branch, []).append(_Found(version_id, kind, added))
    if window is not None and any(len(found.get(i, ())) <= COUNT_CAP for i in range(len(branches))):
        return None
    rows = [row for part in found.values() for row in part]
    rows.sort(key=lambda row: (-row.date_added, -row.id))
    return rows[: COUNT_CAP + 1]


def _window_start(branch: list[ColumnElement[bool]], window: int) -> ColumnElement[int]:
    """The `date_added` of the `window`-th newest version of the branch (any, visible or not), or the
    smallest BIGINT when it has fewer: read once, backwards through the same index."""
    newest = select(ObjectVersion.date_added).where(*branch).order_by(ObjectVersion.date_added.desc())
    start = newest.offset(window - 1).limit(1).scalar_subquery()
    return func.coalesce(start, literal(-(2**63), BigInteger))


def _direct_row(session: Session, text: str) -> ColumnElement[bool]:
    """ "This row names the value or contains the text", checked row by row."""
    v = ObjectVersion
    choices = [contained_in(session, text, v.id)] if len(text) >= MIN_TEXT else []
    values = _value_ids(text)
    if values is not None:
        choices.append(v.id.in_(values.scalar_subquery()))
    return or_(*choices)


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


def _targets(session: Session, p: Principal, is_target: ColumnElement[bool]) -> set[tuple[str, str]]:
    """(channel, id) of the objects whose latest visible version `is_target`: the threats with the text."""
    t = _TARGET
    rows = session.execute(
        select(t.collection_id, t.stix_id).where(is_target, visible(p, t), is_last_visible(p, t))
    )
    return {(channel, stix_id) for channel, stix_id in rows}


def _related(session: Session, p: Principal, q: SearchQuery, targets: set[tuple[str, str]]) -> list[_Found]:
    """The newest COUNT_CAP + 1 sources of visible related links (their latest visible version) to the
    `targets`, in the target's channel.

    The links are read newest source first through `ix_object_links_target_added`: a link's `source_added`
    is at least the `date_added` of every version of its source in its channel, so once the newest `n` links
    are checked (every link with a `source_added` from the `n`-th one's, `bound`, on), a source found among
    them with a date of `bound` or later is newer than any source of the links left. When COUNT_CAP + 1 such
    sources are found, they are the answer; otherwise `n` grows (fourfold) until every link is read. A threat
    with 10,000 indicators, all visible, checks about a thousand links and sources, not 10,000."""
    if not targets:
        return []
    wanted = COUNT_CAP + 1
    n = wanted
    while True:
        links, bound = session.execute(_newest_links(targets, n)).one()
        if not links:
            return []
        if links < n:
            bound = None  # every link is read
        if n > wanted and session.get_bind().dialect.name == "postgresql":
            # thousands of index probes look costly enough to PostgreSQL to compile the plan first (JIT):
            # 77 ms of a 0.3 s statement at 1M objects, for no gain on index probes
            session.execute(sql("SET LOCAL jit = off"))
        rows = _linked_sources(session, p, q, targets, bound)[:wanted]
        if bound is None or (len(rows) == wanted and rows[-1].date_added >= bound):
            return rows
        n *= 4


def _newest_links(targets: set[tuple[str, str]], n: int) -> AnySelect:
    """How many of the newest `n` related links to the targets there are (by `source_added`), and the
    oldest `source_added` among them."""
    newest = (
        select(ObjectLink.source_added)
        .where(
            ObjectLink.target_ref.in_(sorted({stix_id for _, stix_id in targets})),
            ObjectLink.relationship_type.in_(RELATED),
        )
        .order_by(ObjectLink.source_added.desc())
        .limit(n)
        .subquery()
    )
    return select(func.count(), func.min(newest.c.source_added))


def _linked_sources(
    session: Session, p: Principal, q: SearchQuery, targets: set[tuple[str, str]], bound: int | None
) -> list[_Found]:
    """The sources (their latest visible version in a target's channel, passing the filters) of the related
    links to the `targets` whose `source_added` is `bound` or later (every link if None), each checked for
    such a link whose latest visible version the reader sees (`_linked`). The links' sources are a
    sub-select and the check a scalar sub-select per row, one table at each level: as one join, SQLite
    started from the channel's versions and read all of them for every link (1.1 s for 201 at 20k). Newest
    first, sorted in the database: without an ORDER BY (or ordered by the `(collection_id, date_added)`
    index's column) SQLite read the channel through that index instead of probing the sources' ids (8 ms
    against 1.3 ms for 200 sources at 20k)."""
    v = ObjectVersion
    sources = select(ObjectLink.source_ref).where(
        ObjectLink.target_ref.in_(sorted({stix_id for _, stix_id in targets})),
        ObjectLink.relationship_type.in_(RELATED),
        *([] if bound is None else [ObjectLink.source_added >= bound]),
    )
    newest = v.date_added + 0  # not the index's column: see above
    rows = session.execute(
        select(v.id, v.type, v.date_added)
        .where(
            v.collection_id.in_(sorted({channel for channel, _ in targets})),
            v.stix_id.in_(sources.scalar_subquery()),
            visible(p, v),
            is_last_visible(p, v),
            *_filters(session, p, q),
            _linked(p, v, targets),
        )
        .order_by(newest.desc(), v.id.desc())
    )
    return [_Found(*row) for row in rows]


def _linked(p: Principal, source: Any, targets: set[tuple[str, str]]) -> ColumnElement[bool]:
    """Row by row: `source` (columns `collection_id`, `stix_id`) is the source of a related link whose
    latest visible version is in its channel and points at one of the `targets` there. A scalar sub-select,
    so that it runs per row (as EXISTS, PostgreSQL would hash every link first), reading the source's links
    (`ix_object_links_source`) and then each link's version by key, one table at each level: given both in
    one join and no statistics, SQLite read all the channel's versions for every row (10 s for 200 rows)."""
    link = _LINK
    seen = exists().where(
        link.id == ObjectLink.version_id,
        link.collection_id == source.collection_id,
        visible(p, link),
        is_last_visible(p, link),
    )
    seen = seen.correlate(ObjectLink, source.collection_id.table)  # the source is two levels up
    one = (
        select(ObjectLink.version_id)
        .where(
            ObjectLink.source_ref == source.stix_id,
            ObjectLink.relationship_type.in_(RELATED),
            tuple_(source.collection_id, ObjectLink.target_ref).in_(sorted(targets)),
            seen,
        )
        .limit(1)
        .scalar_subquery()
    )
    return one.is_not(None)


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
