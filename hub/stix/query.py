"""Reading objects: every query here starts from the visibility rule and filters and pages in the database.

Paging is keyset paging on `date_added`, which is unique within a collection, so a page costs the same at the
millionth object as at the first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, scoped_session

from hub import reads
from hub.errors import NotFound
from hub.policy import version as policy_version
from hub.policy.principal import Principal
from hub.policy.visibility import visible
from hub.stix.jsonsql import json_text
from hub.stix.models import ObjectVersion, Submission

T = TypeVar("T")

FIRST, LAST, ALL = "first", "last", "all"
# Another version of the same object, for first/last conditions. Built once: `aliased()` copies every column.
_OTHER = aliased(ObjectVersion, name="other_version")
TEXT_PROPERTIES = ("name", "description", "pattern")
STATEMENT_CACHE_SIZE = 512
_AFTER = bindparam("after", type_=BigInteger)
_STATEMENTS: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Select[Any]]] = OrderedDict()
_STATEMENTS_LOCK = threading.Lock()
# One row: the policy version (0 before the first change, as `hub.policy.version.current` reads it).
_POLICY = select(
    func.coalesce(policy_version.current_statement().scalar_subquery(), 0).label("policy_version")
).subquery("policy")
# The version as the object writes it (`modified`, else `created`): TAXII clients compare these strings, so
# `...59.444Z` must not come back as `...59.444000Z`. NULL for objects versioned by `date_added` (SCOs).
VERSION_TEXT = func.coalesce(
    json_text(ObjectVersion.body, "modified"), json_text(ObjectVersion.body, "created")
).label("version_text")


@dataclass(frozen=True, slots=True)
class ObjectFilter:
    """TAXII's filters (AND across fields, OR within one), plus the web's filters.

    Web filters: `tlps`, `added_before` (exclusive, µs), `text` (case-insensitive substring of the name,
    description or pattern) and `properties` (top-level string properties equal to values, e.g.
    `(("sighting_of_ref", id),)`).

    `versions` holds the keywords `first`, `last`, `all` and/or exact versions in µs; TAXII's default is
    `last`.
    """

    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str | int, ...] = (LAST,)
    spec_versions: tuple[str, ...] = ()
    added_after: int | None = None
    tlps: tuple[int, ...] = ()
    added_before: int | None = None
    text: str | None = None
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of results in `date_added` order; `next_after` is the keyset position to continue from."""

    items: list[T] = field(default_factory=list)
    more: bool = False
    next_after: int | None = None
    policy_version: int | None = None  # read with the rows when asked (`list_columns`)

    @classmethod
    def from_rows(cls, rows: Sequence[T], limit: int, position: Callable[[T], int]) -> Page[T]:
        """The page of `rows` read with `LIMIT limit + 1` in keyset order: the extra row only tells that there
        is more, and `position` of the last kept row is where the next page starts."""
        items = list(rows[:limit])
        more = len(rows) > limit
        return cls(items, more, position(items[-1]) if more else None)


def visible_in_collection(p: Principal, collection_id: str, f: ObjectFilter) -> Select[ObjectVersion]:
    """The versions of one collection that `p` may see and that match `f`, oldest `date_added` first."""
    # With named ids, ordering by an expression keeps SQLite from walking the whole (collection_id,
    # date_added) index to find a handful of rows: it looks them up by stix_id and sorts them instead.
    order = ObjectVersion.date_added + 0 if f.ids else ObjectVersion.date_added
    return (
        select(ObjectVersion)
        .where(ObjectVersion.collection_id == collection_id, visible(p), *_conditions(p, f))
        .order_by(order)
    )


def list_versions(
    session: Session, p: Principal, collection_id: str, f: ObjectFilter, limit: int, after: int | None = None
) -> Page[ObjectVersion]:
    """A page of at most `limit` visible versions, after the keyset position `after` (exclusive)."""
    query = visible_in_collection(p, collection_id, f)
    if after is not None:
        query = query.where(ObjectVersion.date_added > after)
    rows = list(session.scalars(query.limit(limit + 1)))
    return Page.from_rows(rows, limit, lambda row: row.date_added)


def list_columns(
    session: Session | scoped_session[Any],
    p: Principal,
    collection_id: str,
    f: ObjectFilter,
    limit: int,
    after: int | None,
    columns: tuple[InstrumentedAttribute[Any] | ColumnElement[Any], ...],
    with_policy_version: bool = False,
) -> Page[Any]:
    """Like `list_versions`, but loads only `columns` (plus `date_added`, last): envelopes splice stored
    text and manifests need no body, so neither pays for building ORM objects.

    `with_policy_version`: the same statement also reads the policy version (`hub.policy.version`), in the
    same snapshot as the rows, into `Page.policy_version`, even for an empty page (one round trip where a
    separate read made two; `hub.policy.version_check`).

    `columns` must be a module-level constant (the statement cache tells them apart by identity)."""
    starts = [position for position in (f.added_after, after) if position is not None]
    keyset = (bool(starts) and reads.dialect_name(session)) or ""
    key = (p, collection_id, replace(f, added_after=None), columns, keyset, with_policy_version, limit)
    query = _page_statement(*key)
    parameters = {"after": max(starts)} if starts else {}
    rows = reads.rows(session, query, parameters)  # Core rows: no ORM per-row work
    if not with_policy_version:
        return Page.from_rows(rows, limit, lambda row: int(row[-1]))
    # One row at least: the version, then the page's columns, all NULL when the page is empty.
    items = [row[1:] for row in rows] if rows[0][-1] is not None else []
    page: Page[Any] = Page.from_rows(items, limit, lambda row: int(row[-1]))
    page.policy_version = rows[0][0]
    return page


def _page_statement(
    p: Principal,
    collection_id: str,
    f: ObjectFilter,
    columns: tuple[Any, ...],
    keyset: str,
    with_policy_version: bool,
    limit: int,
) -> Select[Any]:
    """The page statement of this principal, collection, filter, columns and limit, with the keyset
    position left as a parameter (`:after`); `keyset`: the database's name when the page starts at a
    position, else empty.

    Building it (the visibility rule twice, with the `last` condition) cost more than running it, and a
    poller asks the same question page after page; so statements are kept, least recently used dropped
    first. The key holds the whole principal and filter, so a statement is only reused for exactly the
    inputs it was built from: the visibility rule it carries is the one `visible()` builds for them.
    Lookups of named ids vary with every request and are built afresh.

    The limit is written into the statement (`LIMIT 101`), not sent as a parameter: psycopg prepares a
    statement run five times on a connection, and PostgreSQL then plans it once (a generic plan) only when
    that plan looks no dearer than planning each run for its values. Not knowing the limit, it costs the
    page as if it read a tenth of the collection, so it planned every page anew: 0.38 against 0.21 ms for a
    first page at 2,000 objects (docs/performance.md). Clients keep to one limit or a few.

    For the same reason the keyset position is read through a sub-select on PostgreSQL (`date_added >
    (SELECT :after)`): knowing the position, each run's own plan expects only the rows left after it (a
    poller near the end, a few), which a generic plan never looks cheaper than, so every next page and
    `added_after` poll was planned anew. A value from a sub-select is unknown to both, so they cost the
    same, and the generic plan is kept; the index scan is the same (0.35-0.65 against 0.32-0.38 ms at
    10k objects)."""
    key = (p, collection_id, f, id(columns), keyset, with_policy_version, limit)
    if not f.ids:
        with _STATEMENTS_LOCK:
            found = _STATEMENTS.get(key)
            if found is not None and found[0] is columns:
                _STATEMENTS.move_to_end(key)
                return found[1]
    query: Select[Any] = visible_in_collection(p, collection_id, f).with_only_columns(
        *columns, ObjectVersion.date_added
    )
    if keyset:
        after = select(_AFTER).scalar_subquery() if keyset == "postgresql" else _AFTER
        query = query.where(ObjectVersion.date_added > after)
    query = query.limit(literal_column(str(int(limit) + 1), Integer))
    if with_policy_version:
        query = with_the_policy_version(query, "date_added")
    if not f.ids:
        with _STATEMENTS_LOCK:
            _STATEMENTS[key] = (columns, query)
            while len(_STATEMENTS) > STATEMENT_CACHE_SIZE:
                _STATEMENTS.popitem(last=False)
    return query


def with_the_policy_version(query: Select[Any], *order: str) -> Select[Any]:
    """`query`'s rows, each led by the policy version, read in the same statement (the same snapshot);
    for no rows, one row of the version and NULLs. `order`: the columns of `query` to keep its order by
    (a subquery's own order is not kept by SQL)."""
    rows = query.subquery("answer")
    joined = select(_POLICY.c.policy_version, *rows.c).select_from(_POLICY.outerjoin(rows, true()))
    return joined.order_by(*(rows.c[name] for name in order))


def object_exists(session: Session, p: Principal, collection_id: str, stix_id: str) -> bool:
    """True when `p` may see at least one version of the object in the collection."""
    query = visible_in_collection(p, collection_id, ObjectFilter(ids=(stix_id,), versions=(ALL,)))
    return session.scalar(query.order_by(None).with_only_columns(ObjectVersion.id).limit(1)) is not None


def get_submission_for(session: Session, p: Principal, submission_id: str) -> Submission:
    """A submission (TAXII status) as seen by the user who made it; to everyone else it does not exist."""
    submission = session.get(Submission, submission_id) if p.user_id is not None else None
    if submission is None or submission.user_id != p.user_id:
        raise NotFound(f"no status {submission_id!r}")
    return submission


def count_versions(session: Session, p: Principal, collection_id: str, f: ObjectFilter) -> int:
    """How many versions match, counted under the same rule (for the web UI)."""
    inner = visible_in_collection(p, collection_id, f).order_by(None).with_only_columns(ObjectVersion.id)
    return session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def _conditions(p: Principal, f: ObjectFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.added_after is not None:
        conditions.append(ObjectVersion.date_added > f.added_after)
    if f.ids:
        conditions.append(ObjectVersion.stix_id.in_(f.ids))
    if f.types:
        conditions.append(ObjectVersion.type.in_(f.types))
    if f.spec_versions:
        conditions.append(ObjectVersion.spec_version.in_(f.spec_versions))
    if f.tlps:
        conditions.append(ObjectVersion.tlp.in_(f.tlps))
    if f.added_before is not None:
        conditions.append(ObjectVersion.date_added < f.added_before)
    if f.text:
        conditions.append(
            or_(
                *(
                    json_text(ObjectVersion.body, key).icontains(f.text, autoescape=True)
                    for key in TEXT_PROPERTIES
                )
            )
        )
    for key, value in f.properties:
        conditions.append(json_text(ObjectVersion.body, key) == value)
    version_condition = _version_condition(p, f.versions)
    if version_condition is not None:
        conditions.append(version_condition)
    return conditions


def is_last_visible(p: Principal, version: Any = ObjectVersion) -> ColumnElement[bool]:
    """SQL condition: no newer version of the same object in the same collection is visible to `p`, so
    `version` is the last one `p` may see (a newer hidden version neither shows through nor hides it).

    A version flagged `is_latest` has no newer version at all (`hub.stix.latest`), so only the others need
    the probe for a newer visible one: on a page where no object has several versions, none does."""
    newer_visible = exists().where(_same_visible_object(p, version), _OTHER.version > version.version)
    return or_(version.is_latest, ~newer_visible)


def _version_condition(p: Principal, versions: tuple[str | int, ...]) -> ColumnElement[bool] | None:
    """`first`/`last` mean the first/last version *the principal may see*: hidden ones never show through."""
    if not versions or ALL in versions:
        return None
    choices: list[ColumnElement[bool]] = []
    if LAST in versions:
        choices.append(is_last_visible(p))
    if FIRST in versions:
        choices.append(
            ~exists().where(_same_visible_object(p, ObjectVersion), _OTHER.version < ObjectVersion.version)
        )
    exact = [v for v in versions if isinstance(v, int)]
    if exact:
        choices.append(ObjectVersion.version.in_(exact))
    return or_(*choices) if choices else false()


def _same_visible_object(p: Principal, version: Any) -> ColumnElement[bool]:
    return and_(
        _OTHER.collection_id == version.collection_id, _OTHER.stix_id == version.stix_id, visible(p, _OTHER)
    )
