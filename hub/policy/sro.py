"""Relationships and sightings (SROs) never name, to their readers, an object they may not know of.

A reader who may see an SRO learns the ids it references, so an SRO must be at least as restrictive as the
objects it references that the hub holds:
- held in the SRO's own collection (published): the SRO's TLP is at least the *least* restrictive published
  version there, since whoever may read that version knows the id already (older versions are read at the
  level of the most restrictive later one, `writing.access_levels`, so after a tightening that is the new
  level);
- held only elsewhere (or only unpublished here): the SRO's TLP is at least the *most* restrictive version in
  the hub, and never TLP:RED's audience, which is named per collection: such an SRO is refused;
- not held, but in the same envelope: at least the most restrictive copy in the envelope. A version in the
  envelope never lowers what the hub holds (it may yet fail, e.g. when another organisation produced the id).
References to nothing the hub holds constrain nothing: the poster chose the id, and nothing is behind it.

Checked inside the ingest's write transaction, after the collection's write lock: the stored versions that
justify the decision are read there, and on PostgreSQL locked `FOR SHARE`, so they cannot be deleted or
re-marked until the SRO is committed. A refusal does not name the level it compared with (the poster may not
be allowed to see the referenced object), though it does tell that something more restrictive is held.
A write decision, kept small so it can join `hub.policy.writing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion, State

SRO_TYPES = frozenset({"relationship", "sighting"})
SINGLE_REFERENCES = ("source_ref", "target_ref", "sighting_of_ref")
LIST_REFERENCES = ("observed_data_refs", "where_sighted_refs")
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Held:
    """What the hub holds of one referenced object, seen from the SRO's collection: the least restrictive
    published version there (None: none), and the most restrictive version anywhere."""

    here: Tlp | None
    anywhere: Tlp


def references(obj: Mapping[str, Any]) -> list[str]:
    """The ids an SRO references (none for other objects)."""
    if obj.get("type") not in SRO_TYPES:
        return []
    refs = [obj[key] for key in SINGLE_REFERENCES if isinstance(obj.get(key), str)]
    for key in LIST_REFERENCES:
        refs.extend(ref for ref in obj.get(key) or () if isinstance(ref, str))
    return refs


def held(session: Session, collection_id: str, ids: Iterable[str]) -> dict[str, Held]:
    """What the hub holds of these ids, seen from `collection_id` (rows locked FOR SHARE on PostgreSQL;
    SQLite's write lock already excludes every other writer)."""
    found: dict[str, Held] = {}
    wanted = sorted(set(ids))
    columns = (ObjectVersion.stix_id, ObjectVersion.collection_id, ObjectVersion.tlp, ObjectVersion.state)
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(*columns)
            .where(ObjectVersion.stix_id.in_(wanted[start : start + _CHUNK]))
            .with_for_update(read=True)
        )
        for stix_id, where, tlp, state in rows:
            before = found.get(stix_id, Held(None, Tlp.CLEAR))
            here = before.here
            if where == collection_id and state == State.PUBLISHED:
                here = Tlp(tlp) if here is None else min(here, Tlp(tlp))
            found[stix_id] = Held(here, max(before.anywhere, Tlp(tlp)))
    return found


def with_envelope(known: Mapping[str, Held], arriving: Iterable[tuple[str, Tlp]]) -> dict[str, Held]:
    """`known` plus the ids the hub does not hold that arrive in the same envelope (`(id, level)`), at the
    most restrictive level they arrive with."""
    merged = dict(known)
    envelope: dict[str, Tlp] = {}
    for stix_id, level in arriving:
        if stix_id not in known:
            envelope[stix_id] = max(envelope.get(stix_id, Tlp.CLEAR), level)
    for stix_id, level in envelope.items():
        merged[stix_id] = Held(level, level)
    return merged


def sro_refusal(level: Tlp, refs: Iterable[str], known: Mapping[str, Held]) -> str | None:
    """Why an SRO at `level` may not reference `refs`, or None; `known` comes from `held`/`with_envelope`."""
    for ref in refs:
        target = known.get(ref)
        if target is None:
            continue
        needed = target.here if target.here is not None else target.anywhere
        if needed > level:
            return (
                f"references {ref}, which the hub holds under a more restrictive TLP than {level.label}: a "
                f"relationship or sighting must be at least as restrictive as every object it references, or "
                f"its readers would learn the id of an object they may not see; mark it more restrictively "
                f"or leave the reference out"
            )
        if target.here is None and needed is Tlp.RED:
            return (
                f"references {ref}, which is TLP:RED in another collection: TLP:RED readers are named per "
                f"collection, and this collection's may not see it; post the relationship or sighting in the "
                f"collection that holds it"
            )
    return None
