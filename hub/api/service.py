"""Observable lookup: which visible indicators name a value, read through `candidates()` and the index.

Every query starts from the visibility rule, on the indicators and on the sightings counted for them, and
keeps only the latest version of each indicator the principal may see (TAXII's `match[version]=last`): a value
that a newer visible version dropped is not found, and nothing about invisible objects shows through, not even
a count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    ScalarSelect,
    Select,
    distinct,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased, scoped_session

from hub import reads
from hub.api.context import Indicated, indicated, names_threats
from hub.db import one_of_parameter, one_of_values
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.policy.visibility import visible
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import IS_SIGHTING_OF, IndexedObservable, observable_key
from hub.stix.observables import Observable, candidates
from hub.stix.query import is_last_visible, with_the_policy_version
from hub.stix.validation import format_timestamp

MAX_VALUES = 1000
MAX_VALUE_LENGTH = 4096
BATCH_PLANNING_KEYS = 20
AnySelect = Select[*tuple[Any, ...]]
CACHED_VALUE_LENGTH = 256
# Values read, remembered per worker: about 330 bytes an entry, so 32,768 entries held 10 MiB and 8,192 hold
# 2.6 MiB (tests/test_cache_bounds.py). The hot values platforms ask about again and again still fit.
LOOKUP_CACHE_SIZE = 8_192
# Built once: `aliased()` copies every column, which costs more than running the query itself.
_SIGHTING = aliased(ObjectVersion, name="sighting")
_SIGHTED = aliased(IndexedObservable, name="sighted")


@dataclass(frozen=True, slots=True)
class Matched:
    """The observable of an indicator that a lookup value was read as, with its warning-list codes."""

    kind: str
    value: str
    warnings: tuple[str, ...]


@dataclass(slots=True)
class Match:
    """One visible indicator (its latest visible version) that names a looked-up value. The API serialises
    `Result`, `Match`, `Matched`, `Indicated` and `Observable` as they are (orjson), fields in this order."""

    id: str
    collection_id: str
    version: str
    name: str | None
    tlp: str
    valid_from: str | None
    valid_until: str | None
    revoked: bool
    confidence: int | None = None
    sightings: int = 0
    indicates: list[Indicated] = field(default_factory=list)
    matched: list[Matched] = field(default_factory=list)


@dataclass(slots=True)
class Result:
    """The answer for one value: what it was read as, and the matching indicators."""

    value: str
    candidates: list[Observable]
    matches: list[Match] = field(default_factory=list)


def lookup(
    session: Session | scoped_session[Any],
    p: Principal,
    values: Sequence[str],
    check: Callable[[int | None], None] | None = None,
) -> list[Result]:
    """Look every value up, in order; a value that reads as nothing gets no candidates and no matches.

    One statement finds the matches with their sightings counted and whether any relationship names them
    as its source; the context statement runs only for matches that some relationship does (on PostgreSQL
    each statement is a round trip, and most indicators indicate nothing).

    `check`: that statement also reads the policy version, in the same snapshot, and hands it to `check`
    before any row is used (`hub.policy.version_check`); not called when no value reads as anything."""
    results = [Result(value, list(_read_as(value))) for value in values]
    wanted: dict[bytes, list[tuple[Result, Observable]]] = {}
    for result in results:
        for candidate in result.candidates:
            wanted.setdefault(observable_key(candidate.kind, candidate.value), []).append((result, candidate))
    if not wanted:
        return results
    matches: dict[tuple[int, str, str], Match] = {}
    linked: set[tuple[str, str]] = set()
    postgresql = reads.dialect_name(session) == "postgresql"
    few, parameters = one_of_values("keys", _keys(session, list(wanted)))
    statement = _statement(p, postgresql, check is not None, few)
    rows = reads.rows(session, statement, parameters, named=True)  # Core rows: no ORM per-row work
    if check is not None:  # one row at least: the version, and NULLs when nothing matched
        check(rows[0].policy_version)
        rows = rows if rows[0].key is not None else []
    for row in rows:
        for result, candidate in wanted[row.key]:
            if (candidate.kind, candidate.value) != (row.kind, row.value):
                continue  # a digest collision: never report a value that was not asked for
            place = (id(result), row.collection_id, row.stix_id)
            match = matches.get(place)
            if match is None:
                match = matches[place] = _match(row)
                result.matches.append(match)
                if row.linked:
                    linked.add((row.collection_id, row.stix_id))
            codes = tuple(row.warning.split(",")) if row.warning else ()
            match.matched.append(Matched(row.kind, row.value, codes))
    if linked:
        threats = indicated(session, p, linked)
        for match in matches.values():
            match.indicates = threats.get((match.collection_id, match.id), [])
    return results


def _read_as(value: str) -> tuple[Observable, ...]:
    """`candidates()`, remembered for short values: platforms ask about the same values again and again."""
    return _read_as_cached(value) if len(value) <= CACHED_VALUE_LENGTH else tuple(candidates(value))


@functools.lru_cache(maxsize=LOOKUP_CACHE_SIZE)
def _read_as_cached(value: str) -> tuple[Observable, ...]:
    return tuple(candidates(value))


def _keys(session: Session | scoped_session[Any], keys: list[bytes]) -> list[bytes]:
    """The `keys` parameter. For many keys PostgreSQL's default cost model (random_page_cost 4, for spinning
    disks) prefers reading the whole table to a thousand index probes, ten times slower when the index is
    cached; the rest of this transaction plans with the usual SSD setting instead."""
    if len(keys) > BATCH_PLANNING_KEYS and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL random_page_cost = 1.1"))
    return keys


@functools.lru_cache(maxsize=1024)
def _statement(p: Principal, postgresql: bool, with_policy_version: bool, few: bool = False) -> AnySelect:
    """The lookup query of `p`, digests in the parameter `keys`: built once per principal (a `Principal`
    holds everything the visibility rule reads), which halves a lookup's CPU time. On PostgreSQL the digests
    go as one array (`= ANY`), not thousands of parameters (`hub.db.one_of_parameter`).
    `with_policy_version`: led by the policy version (`with_the_policy_version`).

    `few`: the digests in a few parameters (`hub.db.one_of_parameter`; every reading of one value fits),
    which PostgreSQL plans once per connection where it planned an array at every run."""
    key_in = one_of_parameter(IndexedObservable.key, "keys", LargeBinary, postgresql, few)
    o, keyed, version_id = _observables(key_in, postgresql)
    v = ObjectVersion
    query = (
        select(
            o.key,
            o.kind,
            o.value,
            o.warning,
            v.stix_id,
            v.collection_id,
            v.version,
            v.tlp,
            v.body,
            _sightings_of(p, v).label("sightings"),
            names_threats(v).label("linked"),
            o.id.label("observable_id"),
        )
        .join(v, v.id == version_id)
        .where(*keyed, v.type == "indicator", visible(p, v), is_last_visible(p, v))
        .order_by(v.collection_id, v.stix_id, o.id)
    )
    if with_policy_version:
        return with_the_policy_version(query, "collection_id", "stix_id", "observable_id")
    return query


def _sightings_of(p: Principal, indicator: Any) -> ScalarSelect[int]:
    """How many distinct sightings of `indicator`'s id `p` may see (latest visible versions, in any
    collection), read by the partial index on the `sighting-of` rows' value (its condition a literal, so that
    both databases may use that index)."""
    o, s = _SIGHTED, _SIGHTING
    return (
        select(func.count(distinct(s.stix_id)))
        .select_from(o)
        .join(s, s.id == o.version_id)
        .where(
            IS_SIGHTING_OF,
            o.value == indicator.stix_id,
            s.type == "sighting",
            visible(p, s),
            is_last_visible(p, s),
        )
        .correlate(indicator)
        .scalar_subquery()
    )


def _observables(
    key_in: ColumnElement[bool], postgresql: bool
) -> tuple[Any, tuple[ColumnElement[bool], ...], Any]:
    """Where the looked-up observables are read from, so that the query starts from them.

    PostgreSQL plans from the `key` index by itself (the key condition is added to each query). SQLite,
    without statistics (`ANALYZE`), believes `collection_id = ?` of the visibility rule is the more
    selective and reads every version of the collection, probing the observables of each: 2 s for 1,000
    values at 100k objects, and O(N) for a single value too. There the observables of the keys come from a
    subquery with `LIMIT -1 OFFSET 0`, which SQLite may not merge into the join, and are joined on
    `version_id + 0`, which no (automatic) index can serve: so SQLite reads them first, by their index, then
    each version by its primary key, for one key as for a thousand. Returns the source, the conditions that
    still belong in the outer query, and the version id to join on."""
    if postgresql:
        return IndexedObservable, (key_in,), IndexedObservable.version_id
    looked_up = aliased(
        IndexedObservable, select(IndexedObservable).where(key_in).offset(0).subquery("looked_up")
    )
    return looked_up, (), looked_up.version_id + 0


def _match(row: Any) -> Match:
    body = orjson.loads(row.body)
    return Match(
        id=row.stix_id,
        collection_id=row.collection_id,
        version=format_timestamp(row.version),
        tlp=Tlp(row.tlp).label,
        name=body.get("name"),
        valid_from=body.get("valid_from"),
        valid_until=body.get("valid_until"),
        revoked=bool(body.get("revoked", False)),
        confidence=_confidence(body.get("confidence")),
        sightings=row.sightings,
    )


def _confidence(value: Any) -> int | None:
    """STIX `confidence` (0-100), or None when absent or not an integer (never a guess)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
