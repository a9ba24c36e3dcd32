"""Property: correlation ("already in the hub N times") reveals nothing the visibility rule hides.

Random worlds as in `test_property`, whose indicator versions each name one of a few domains (a newer version
may name another), plus sightings of those indicators (several versions, random TLP, state and producer) and
random anonymous shares. For every principal and every value (spelt as a person might paste it: defanged, in
capitals, as a URL on that host), `correlate` must list exactly the (channel, indicator) pairs whose latest
visible version names the value, each with the reference's TLP, producer, first/last seen and sightings count.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from hub.orgs import service as orgs
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.stix.correlation import correlate
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import StoredVersion, index_stored
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_property import worlds

EXAMPLES = int(os.environ.get("HUB_POLICY_EXAMPLES", "40"))
VALUES = ("a.example", "b.example")
SPELLINGS = ("{}", "{}.", "{upper}", "hxxp://{defanged}/path", "https://{}/x?y=1")


class CorrelatedWorld:
    """A reference world and what each version says: the value it names or the indicator it sights."""

    def __init__(self, world: ref.World) -> None:
        self.world = world
        self.names: dict[tuple[str, str, int], str] = {}
        self.sights: dict[tuple[str, str, int], str] = {}
        self.anonymous: set[tuple[str, str, int]] = set()


def key(x: ref.Version) -> tuple[str, str, int]:
    return (x.collection, x.stix_id, x.version)


@st.composite
def correlated_worlds(draw: st.DrawFn) -> CorrelatedWorld:
    world = draw(worlds())
    cw = CorrelatedWorld(world)
    for x in world.versions:
        cw.names[key(x)] = draw(st.sampled_from(VALUES))
    serial = itertools.count(10_000)
    orgs_, emails = [None, *sorted(world.orgs)], [None, *sorted(world.users)]
    for cid in world.collections:
        indicators = sorted({x.stix_id for x in world.versions if x.collection == cid})
        added = itertools.count(1_000)
        for _ in range(draw(st.integers(0, 3)) if indicators else 0):
            sid = f"sighting--{uuid.UUID(int=next(serial), version=4)}"
            for version in sorted(draw(st.sets(st.integers(1, 3), min_size=1, max_size=2))):
                x = ref.Version(
                    cid,
                    sid,
                    version * 1_000_000,
                    next(added),
                    draw(st.sampled_from(ref.TLPS)),
                    draw(st.sampled_from(ref.STATES)),
                    draw(st.sampled_from(orgs_)),
                    draw(st.sampled_from(emails)),
                )
                world.versions.append(x)
                cw.sights[key(x)] = draw(st.sampled_from(indicators))
    for x in world.versions:
        if draw(st.booleans()) and draw(st.booleans()):
            cw.anonymous.add(key(x))
    return cw


def body(cw: CorrelatedWorld, x: ref.Version) -> dict[str, object]:
    k = key(x)
    if k in cw.sights:
        return {"type": "sighting", "id": x.stix_id, "sighting_of_ref": cw.sights[k]}
    pattern = f"[domain-name:value = '{cw.names[k]}']"
    return {
        "type": "indicator",
        "id": x.stix_id,
        "pattern": pattern,
        "pattern_type": "stix",
        "name": x.stix_id,
    }


def insert_world(session, cw: CorrelatedWorld, user_ids: dict[str, int]) -> None:
    """Insert every version with its body, then index them as ingest does."""
    org_ids = {org.name: org.id for org in orgs.list_orgs(session)}
    rows = []
    for x in cw.world.versions:
        row = dbworld.version_row(x, org_ids, user_ids)
        row["body"] = json.dumps(body(cw, x))
        row["is_anonymous"] = key(x) in cw.anonymous
        rows.append(row)
    if rows:
        session.execute(insert(ObjectVersion), rows)
    for cid in cw.world.collections:
        stored = [
            StoredVersion(v.id, v.version, json.loads(v.body))
            for v in session.scalars(select(ObjectVersion).where(ObjectVersion.collection_id == cid))
        ]
        index_stored(session, cid, stored)
    session.commit()


def readers_of(session, cw: CorrelatedWorld) -> Iterator[tuple[str | None, ref.Reader, Principal]]:
    """Store `cw` in the emptied database, then give every reader (anonymous first) with its reference
    reader and its principal."""
    dbworld.empty_tables(session)
    insert_world(session, cw, dbworld.build(session, cw.world))
    for address in [None, *cw.world.users]:
        yield address, ref.reader(cw.world, address), dbworld.principal_of(session, address)


def spelt(value: str, spelling: str) -> str:
    return spelling.format(value, upper=value.upper(), defanged=value.replace(".", "[.]"))


def expected(cw: CorrelatedWorld, r: ref.Reader, value: str) -> dict[tuple[str, str], tuple[object, ...]]:
    """The reference: (channel, indicator) -> (TLP, producer, first seen, last seen, sightings)."""
    out: dict[tuple[str, str], tuple[object, ...]] = {}
    for cid in cw.world.collections:
        every = ref.visible_versions(cw.world, r, cid, "all")
        last = ref.visible_versions(cw.world, r, cid, "last")
        for x in last:
            if key(x) in cw.sights or cw.names[key(x)] != value:
                continue
            added = [y.date_added for y in every if y.stix_id == x.stix_id]
            sightings = [y for y in last if cw.sights.get(key(y)) == x.stix_id]
            producer = None if key(x) in cw.anonymous else x.producer
            last_seen = max([*added, *(s.date_added for s in sightings)])
            out[(cid, x.stix_id)] = (Tlp.parse(x.tlp), producer, min(added), last_seen, len(sightings))
    return out


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cw=correlated_worlds(), spelling=st.sampled_from(SPELLINGS))
def test_correlation_shows_and_counts_only_what_the_reader_may_see(session, cw, spelling):
    problems: list[str] = []
    typed = [spelt(value, spelling) for value in VALUES]
    for address, r, p in readers_of(session, cw):
        for value, result in zip(VALUES, correlate(session, p, typed), strict=True):
            want = expected(cw, r, value)
            got = {
                (o.collection_id, o.stix_id): (o.tlp, o.producer, o.first_seen, o.last_seen, o.sightings)
                for o in result.occurrences
            }
            if got != want or result.count != len(want):
                problems.append(f"{address} {result.value!r}: got {got}, expected {want}")
    assert not problems, "\n".join(problems)
