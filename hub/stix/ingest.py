"""Adding objects to a collection: validation, the hub's TLP rules, versioning, and one bulk transaction.

Used by TAXII POST, web upload, `hub import` and federation alike, so every way in applies the same rules.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, NamedTuple, cast

import orjson
from flask import current_app, has_app_context
from sqlalchemy import Table, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hub.db import begin_write, in_lists, insert_rows, now_us
from hub.errors import NotFound
from hub.notify.outbox import emit_objects
from hub.policy import sro, writing
from hub.policy.attribution import Identities, attribution_problem, identities_for
from hub.policy.principal import Principal
from hub.policy.tlp import (
    LEVEL_BY_MARKING_ID,
    Tlp,
    is_tlp_marking_definition,
    marking_refs,
    official_marking_definition,
    tlp_of_markings,
)
from hub.search.indexing import index_for_search, raise_source_added
from hub.sharing.models import Collection
from hub.stix import latest
from hub.stix.models import ObjectVersion, State, Submission
from hub.stix.observable_index import IndexedValue, StoredVersion, hub_domains, index_stored, index_values
from hub.stix.validation import InvalidStix, format_timestamp, parse_timestamp, validate_object, version_of

logger = logging.getLogger(__name__)
_REVOKED = '"revoked":true'  # as orjson writes a stored body; inside a JSON string the quotes are escaped
MAX_OBJECT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How objects arrive: `anonymous` hides the producer from readers (coordinators still know);
    `tlp` marks objects that carry no TLP marking (instead of the collection's default)."""

    anonymous: bool = False
    tlp: Tlp | None = None
    hub_identity_id: str | None = None
    via_feed: str | None = None  # the feed pulling the objects in: readers see it as their source


@dataclass(slots=True)
class _Candidate:
    index: int
    obj: dict[str, Any]
    stix_id: str
    version: int | None
    tlp: Tlp
    state: State
    body: str
    values: tuple[IndexedValue, ...]


@dataclass(slots=True)
class _Results:
    successes: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def ok(self, stix_id: str, version: str, message: str | None = None) -> None:
        entry = {"id": stix_id, "version": version}
        if message:
            entry["message"] = message
        self.successes.append(entry)

    def fail(self, stix_id: str, version: str | None, message: str) -> None:
        entry = {"id": stix_id, "message": message}
        if version:
            entry["version"] = version
        self.failures.append(entry)

    def warn(self, flags: list[dict[str, str]]) -> None:
        """Warning-list flags of stored objects (stored all the same): listed, and told in their entry."""
        self.warnings.extend(flags)
        told: dict[tuple[str, str], list[str]] = {}
        for flag in flags:
            told.setdefault((flag["id"], flag["version"]), []).append("warning: " + flag["message"])
        for entry in self.successes if told else ():
            messages = told.get((entry["id"], entry["version"]))
            if messages:
                entry["message"] = "; ".join([entry.get("message", "stored"), *messages])


def add_objects(
    session: Session,
    p: Principal,
    collection_id: str,
    objects: Sequence[Any] | CheckedBatch,
    options: IngestOptions = IngestOptions(),
) -> Submission:
    """Validate and store objects; one bad object never sinks the rest. Returns the status (a `Submission`).
    `objects` may come checked already (`check_objects`), as `hub import` checks the next batch meanwhile.

    Runs in its own write transaction (see `begin_write`); the caller commits.
    :raises NotFound: the collection is not visible to `p`. :raises PermissionDenied: `p` may not write it.
    """
    collection = session.get(Collection, collection_id)
    if collection is None or collection.id not in p.known:
        raise NotFound(f"no collection {collection_id!r}")
    writing.require_write(p, collection.id)
    request_timestamp = now_us()
    results = _Results()
    identities = identities_for(session, p, via_feed=options.via_feed is not None)
    batch = objects if isinstance(objects, CheckedBatch) else check_objects(objects, hub_domains())
    candidates: list[_Candidate] | None = None  # decided under the lock
    begin_write(session)
    try:
        last = session.execute(
            select(Collection.last_date_added).where(Collection.id == collection.id).with_for_update()
        ).scalar_one()
        # Under the lock: the collection's default TLP and read rules as they are now (begin_write's commit
        # expired what the read transaction loaded), not as they were before another writer let go.
        candidates = list(_check_all(p, collection, batch.checked, options, results, identities))
        stored = _store(session, p, collection.id, candidates, last, results, options)
        if stored:
            session.execute(
                update(Collection).where(Collection.id == collection.id).values(last_date_added=stored)
            )
    except SQLAlchemyError:
        session.rollback()
        logger.exception("storing a submission into collection %s failed; nothing was stored", collection.id)
        results = _nothing_stored(results, candidates, batch)
    submission = Submission(
        id=str(uuid.uuid4()),
        collection_id=collection.id,
        user_id=p.user_id,
        status="complete",
        total_count=batch.total,
        success_count=len(results.successes),
        failure_count=len(results.failures),
        pending_count=0,
        results=orjson.dumps(
            {
                "successes": results.successes,
                "failures": results.failures,
                "pendings": [],
                "warnings": results.warnings,
            }
        ).decode(),
        request_timestamp=request_timestamp,
    )
    session.add(submission)
    session.flush()
    return submission


class Checked(NamedTuple):
    """An object past the checks that need nothing but the object itself (`check_objects`)."""

    obj: dict[str, Any]  # valid; an official TLP marking definition as its official text
    version_text: str | None
    version: int | None
    tlp: Tlp | None  # the most restrictive of its own markings; None: none, the collection's default applies
    values: tuple[IndexedValue, ...]  # what it puts in the observable index (`index_values`)


class Refused(NamedTuple):
    """An object that is not valid STIX, with the name it is reported under."""

    name: str
    message: str


@dataclass(frozen=True, slots=True)
class CheckedBatch:
    """The outcome of `check_objects` for `total` objects, one per object in order. `hub import` checks the
    next batch in a process of its own while this one is stored: the checks read no database state and no
    principal, so they need not wait for the transaction before them. The objects as received are not
    kept: what is stored is the checked ones, and the reader's pipe carries each object once."""

    total: int
    checked: list[Checked | Refused]


NOT_STORED = "the hub could not store this envelope; nothing from it was stored"


def _nothing_stored(results: _Results, candidates: list[_Candidate] | None, batch: CheckedBatch) -> _Results:
    """The status of a batch whose store failed: every object is a failure, those refused already with their
    reason. `candidates` is None when the store failed before the checks under the lock ran."""
    if candidates is None:
        results = _Results()
        for item in batch.checked:
            if isinstance(item, Refused):
                results.fail(item.name, None, item.message)
        unstored = [item.obj["id"] for item in batch.checked if isinstance(item, Checked)]
    else:
        unstored = [c.stix_id for c in candidates]
    return _Results(failures=[*results.failures, *({"id": i, "message": NOT_STORED} for i in unstored)])


def check_objects(objects: Sequence[Any], domains: Sequence[str]) -> CheckedBatch:
    """Validate each object, read its TLP from its own markings and work out what it puts in the observable
    index (`domains`: the hub's own, which that flags); never changes the objects."""
    checked: list[Checked | Refused] = []
    for index, raw in enumerate(objects):
        try:
            obj = validate_object(raw)
        except InvalidStix as exc:
            checked.append(Refused(_name_of(raw, index), str(exc)))
            continue
        except RecursionError:  # a property nested deeper than validation walks
            checked.append(Refused(_name_of(raw, index), TOO_DEEP))
            continue
        if not _storable(obj):
            checked.append(Refused(obj["id"], TOO_DEEP))
            continue
        version_text = version_of(obj)
        version = parse_timestamp(version_text) if version_text else None
        level, obj = _own_tlp(obj)
        checked.append(Checked(obj, version_text, version, level, index_values(obj, domains)))
    return CheckedBatch(len(objects), checked)


def _check_all(
    p: Principal,
    collection: Collection,
    checked: list[Checked | Refused],
    options: IngestOptions,
    results: _Results,
    identities: Identities,
) -> Iterable[_Candidate]:
    """The checked objects that `p` may store here, as candidates; the rest fail in `results`, in order."""
    red_allowed = writing.red_placeable(collection)
    state = writing.initial_state(p)
    max_bytes = max_object_bytes()
    default = Tlp(collection.default_tlp) if options.tlp is None else options.tlp
    for index, item in enumerate(checked):
        if isinstance(item, Refused):
            results.fail(item.name, None, item.message)
            continue
        obj, version_text, version, level, values = item
        if level is None:
            level, obj = default, _with_marking(obj, default)
        problem = writing.tlp_refusal(p, level, red_allowed) or attribution_problem(obj, identities)
        if problem:
            results.fail(obj["id"], version_text, problem)
            continue
        if options.anonymous:  # readers see the hub as the source, or no source; never the producer
            obj = {k: v for k, v in obj.items() if k != "created_by_ref"}
            if options.hub_identity_id:
                obj["created_by_ref"] = options.hub_identity_id
        body = orjson.dumps(obj)  # cannot fail: `check_objects` refused what is nested too deeply
        if len(body) > max_bytes:
            results.fail(obj["id"], version_text, _too_large(len(body), max_bytes))
            continue
        yield _Candidate(index, obj, obj["id"], version, level, state, body.decode(), values)


def max_object_bytes() -> int:
    """The largest object stored (setting `HUB_MAX_OBJECT_BYTES`), on every way in: TAXII, upload, import,
    feeds. An envelope may be large; one object of hundreds of MiB is an attack on every reader."""
    if not has_app_context():
        return MAX_OBJECT_BYTES
    return int(current_app.config.get("MAX_OBJECT_BYTES", MAX_OBJECT_BYTES))


TOO_DEEP = "the object is nested more than 254 levels deep, more than the hub stores"


def _name_of(raw: Any, index: int) -> str:
    """How a refused object is named in the status: its id when it has one."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    return raw_id if isinstance(raw_id, str) else f"objects[{index}]"


def _storable(obj: dict[str, Any]) -> bool:
    """Whether the object can be stored as JSON: orjson writes at most 254 levels, and an object nested
    deeper must fail on its own before it reaches the store (or the pipe of `hub import`'s reader), not
    take its whole envelope or file down with it."""
    try:
        orjson.dumps(obj)
    except orjson.JSONEncodeError:  # every value is JSON after validation: only the depth limit remains
        return False
    return True


def _too_large(size: int, limit: int) -> str:
    return f"the object is {size} bytes as JSON; the hub stores objects of at most {limit} bytes"


def _own_tlp(obj: dict[str, Any]) -> tuple[Tlp | None, dict[str, Any]]:
    """The object's TLP (the most restrictive of its markings, None if it has none) and the object as served.
    An official TLP marking definition (validation refused forgeries) is public knowledge, stored as its
    official text whatever the key order it came in, so every copy is the same version."""
    official = official_marking_definition(obj["id"]) if is_tlp_marking_definition(obj) else None
    if official is not None:
        return Tlp.CLEAR, official
    return tlp_of_markings(marking_refs(obj)), obj


def _with_marking(obj: dict[str, Any], default: Tlp) -> dict[str, Any]:
    """The object as served when it carries no TLP marking: marked with the collection's default."""
    return {**obj, "object_marking_refs": [*obj.get("object_marking_refs", ()), default.marking_id]}


def _store(
    session: Session,
    p: Principal,
    collection_id: str,
    candidates: list[_Candidate],
    last: int,
    results: _Results,
    options: IngestOptions,
) -> int:
    """Insert what is new under the collection's write lock; returns the new last `date_added` (0 if none)."""
    candidates = _sros_checked(session, collection_id, candidates, results)
    existing = _existing(session, collection_id, {c.stix_id for c in candidates})
    rows: list[dict[str, Any]] = []
    kept: list[_Candidate] = []  # the stored candidates, beside their rows
    clock = max(now_us(), last + 1)
    for candidate in candidates:
        versions = existing.setdefault(candidate.stix_id, {})
        version = (
            candidate.version if candidate.version is not None else _unversioned(versions, candidate, clock)
        )
        known = versions.get(version)
        refusal = None if known is not None else _version_refusal(p, versions)
        if refusal:
            results.fail(candidate.stix_id, _text(candidate.version), refusal)
            continue
        date_added = clock
        if known is not None:
            if known.body == candidate.body:
                results.ok(candidate.stix_id, format_timestamp(version), "already stored")
            else:
                results.fail(
                    candidate.stix_id,
                    format_timestamp(version),
                    "a different object with this id and version is already stored; "
                    "change `modified` to add a new version",
                )
            continue
        state = _state_of(p, candidate, versions)
        versions[version] = _Known(date_added, candidate.body, p.org_id, state, candidate.tlp)
        rows.append(
            {
                "collection_id": collection_id,
                "stix_id": candidate.stix_id,
                "type": candidate.obj["type"],
                "spec_version": candidate.obj.get("spec_version", "2.1"),
                "version": version,
                "date_added": date_added,
                "tlp": int(candidate.tlp),
                "state": int(state),
                "producer_org_id": p.org_id,
                "author_id": p.user_id,
                "is_anonymous": options.anonymous,
                "via_feed": options.via_feed,
                "body": candidate.body,
            }
        )
        kept.append(candidate)
        message = (
            "stored; quarantined until a coordinator approves it" if state is State.QUARANTINED else None
        )
        results.ok(candidate.stix_id, format_timestamp(version), message)
        clock += 1
    # One stream (COPY on PostgreSQL), the new ids read back through the (collection_id, date_added) index:
    # RETURNING cost three times as much on PostgreSQL.
    several = latest.flag_rows(rows, existing)
    insert_rows(session, cast(Table, ObjectVersion.__table__), rows)
    latest.clear_superseded(session, collection_id, several)
    stored = _stored_versions(session, collection_id, rows, kept)
    _tighten_older(session, collection_id, [row["stix_id"] for row in rows], existing)
    # Observable lookup index and warning lists (hub.stix.observable_index), in the same transaction.
    results.warn(index_stored(session, collection_id, stored))
    emit_objects(session, collection_id, [v.id for v in stored])  # notifications, in the same transaction
    if rows:  # the links from them (hub.search)
        raise_source_added(session, collection_id, rows[0]["date_added"], rows[-1]["date_added"])
    index_for_search(session, stored, collection_id)  # names, descriptions, relationship ends (hub.search)
    return clock - 1 if rows else 0


def _sros_checked(
    session: Session, collection_id: str, candidates: list[_Candidate], results: _Results
) -> list[_Candidate]:
    """The candidates without the relationships and sightings less restrictive than what they reference
    (`hub.policy.sro`), which fail; read inside the write transaction, so the decision holds at commit."""
    refs = {c.index: sro.references(c.obj) for c in candidates}
    if not any(refs.values()):
        return candidates
    held = sro.held(session, collection_id, {ref for found in refs.values() for ref in found})
    known = sro.with_envelope(held, ((c.stix_id, c.tlp) for c in candidates))
    kept = []
    for c in candidates:
        problem = sro.sro_refusal(c.tlp, refs[c.index], known)
        if problem:
            results.fail(c.stix_id, _text(c.version), problem)
        else:
            kept.append(c)
    return kept


def _stored_versions(
    session: Session, collection_id: str, rows: list[dict[str, Any]], kept: list[_Candidate]
) -> list[StoredVersion]:
    """The rows just inserted, with their new ids (`date_added` is unique within the collection)."""
    if not rows:
        return []
    ids = dict(
        session.execute(
            select(ObjectVersion.date_added, ObjectVersion.id).where(
                ObjectVersion.collection_id == collection_id,
                ObjectVersion.date_added.between(rows[0]["date_added"], rows[-1]["date_added"]),
            )
        ).all()
    )
    return [
        StoredVersion(ids[row["date_added"]], row["version"], candidate.obj, candidate.values)
        for row, candidate in zip(rows, kept, strict=True)
    ]


class _Known(NamedTuple):
    """A stored version of an object, as ingest needs it to decide about a new one."""

    date_added: int
    body: str
    producer_org_id: int | None
    state: State = State.PUBLISHED
    tlp: Tlp = Tlp.CLEAR


Stored = dict[str, dict[int, _Known]]  # stix_id -> version -> what is stored


def _unversioned(versions: dict[int, _Known], candidate: _Candidate, clock: int) -> int:
    """Objects without `modified`/`created` (SCOs) are versioned by `date_added`; identical copies are one."""
    for version, known in versions.items():
        if known.body == candidate.body:
            return version
    return clock


def _state_of(p: Principal, candidate: _Candidate, versions: dict[int, _Known]) -> State:
    """The moderation state of a new version (`writing.revocation_state` for a revocation that shows nothing
    a published version did not already show)."""
    if candidate.obj.get("revoked") is not True or candidate.state is not State.QUARANTINED:
        return candidate.state
    essence = _essence(candidate.obj)
    shown = any(
        known.state is State.PUBLISHED
        and known.tlp <= candidate.tlp
        and _essence(orjson.loads(known.body)) == essence
        for known in versions.values()
    )
    return writing.revocation_state(p, shown)


def _essence(obj: dict[str, Any]) -> dict[str, Any]:
    """What a version says, besides its version stamp, revocation and TLP marking."""
    kept = {k: v for k, v in obj.items() if k not in ("modified", "revoked", "object_marking_refs")}
    kept["object_marking_refs"] = [
        ref for ref in obj.get("object_marking_refs") or () if ref not in LEVEL_BY_MARKING_ID
    ]
    return kept


def _version_refusal(p: Principal, versions: dict[int, _Known]) -> str | None:
    """Why `p` may not add a version to these stored ones (None: it may)."""
    revoked = any(_REVOKED in known.body for known in versions.values())
    if writing.may_add_version(p, _first_producer(versions), revoked):
        return None
    if revoked and writing.may_add_version(p, _first_producer(versions)):
        return "this object was revoked; a revoked object takes no new version (post a new object instead)"
    return "only the organisation that first posted this object may add versions of it"


def _tighten_older(session: Session, collection_id: str, stix_ids: list[str], existing: Stored) -> None:
    """Raise the level of older versions to the most restrictive later one (`writing.access_levels`), so a
    tightened object is hidden, old text included, from readers who lose access. Only ids that now hold
    more than one version can need it."""
    several = sorted({stix_id for stix_id in stix_ids if len(existing.get(stix_id, ())) > 1})
    raised: dict[int, list[int]] = {}
    for among in in_lists(session, ObjectVersion.stix_id, several):
        rows = session.execute(
            select(ObjectVersion.id, ObjectVersion.stix_id, ObjectVersion.tlp)
            .where(ObjectVersion.collection_id == collection_id, among)
            .order_by(ObjectVersion.stix_id, ObjectVersion.version.desc())
        ).all()
        for _, group in groupby(rows, key=lambda row: row.stix_id):
            found = list(group)
            levels = writing.access_levels(Tlp(row.tlp) for row in found)
            for row, level in zip(found, levels, strict=True):
                if level != row.tlp:
                    raised.setdefault(int(level), []).append(row.id)
    for raised_to, ids in raised.items():
        session.execute(
            update(ObjectVersion)
            .where(ObjectVersion.id.in_(ids))
            .values(tlp=raised_to)
            .execution_options(synchronize_session="fetch")
        )


def _first_producer(versions: dict[int, _Known]) -> int | None:
    """The organisation that posted the first version (the earliest `date_added`), which owns the object."""
    if not versions:
        return None
    return min(versions.values(), key=lambda known: known.date_added).producer_org_id


def _existing(session: Session, collection_id: str, stix_ids: set[str]) -> Stored:
    """Stored versions of these ids in the collection."""
    found: Stored = {}
    for among in in_lists(session, ObjectVersion.stix_id, sorted(stix_ids)):
        rows = session.execute(
            select(
                ObjectVersion.stix_id,
                ObjectVersion.version,
                ObjectVersion.date_added,
                ObjectVersion.body,
                ObjectVersion.producer_org_id,
                ObjectVersion.state,
                ObjectVersion.tlp,
            ).where(ObjectVersion.collection_id == collection_id, among)
        )
        for row in rows:
            found.setdefault(row.stix_id, {})[row.version] = _Known(
                row.date_added, row.body, row.producer_org_id, State(row.state), Tlp(row.tlp)
            )
    return found


def _text(version: int | None) -> str | None:
    return format_timestamp(version) if version is not None else None
