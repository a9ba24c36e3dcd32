"""Property: for random worlds, the database answers what the plain-Python reference answers, for everyone.

Hypothesis generates organisations (tiers, statuses, groups), users (roles, active), collections with random
read and write rules, and object versions with random TLP, state, producer and author, several versions per
STIX id. For every principal (each user, and the anonymous visitor) the test compares `principal_for`'s
readable, writable and named collections, `list_versions` with versions=all/first/last (also paged two rows at
a time), `count_versions`, `list_columns` (TAXII envelopes, manifests) and `object_exists` (TAXII's 404) with
the reference. Versions are inserted directly: most random combinations (a RED object by a suspended
organisation's user in a public collection...) cannot be posted, yet must still be read correctly.
"""

from __future__ import annotations

import itertools
import os
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.stix.models import ObjectVersion
from hub.stix.query import ObjectFilter, list_columns, list_versions, object_exists
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.dbworld import EVERYTHING

GROUPS = ("g1", "g2")
# Forty examples take a few seconds on an idle machine; raise it for a deeper search, e.g. before a release.
EXAMPLES = int(os.environ.get("HUB_POLICY_EXAMPLES", "40"))


@st.composite
def worlds(draw: st.DrawFn) -> ref.World:
    world = ref.World()
    for i in range(draw(st.integers(1, 4))):
        name = f"org{i}"
        world.orgs[name] = ref.Org(
            name,
            draw(st.sampled_from(ref.TIERS)),
            draw(st.sampled_from((True, True, False))),
            frozenset(draw(st.sets(st.sampled_from(GROUPS)))),
        )
    for org in world.orgs:
        for j in range(draw(st.integers(1, 3))):
            address = f"u{j}@{org}.example"
            role = draw(st.sampled_from(ref.ROLES))
            active = draw(st.sampled_from((True, True, True, False)))
            world.users[address] = ref.User(address, org, role, active)
    orgs, emails = sorted(world.orgs), sorted(world.users)
    targets = {
        "tier": st.sampled_from(ref.TIERS),
        "org": st.sampled_from(orgs),
        "group": st.sampled_from(GROUPS),
        "user": st.sampled_from(emails),
    }
    rule = st.sampled_from(ref.RULE_KINDS).flatmap(
        lambda kind: (
            st.just(ref.Rule(kind)) if kind == "public" else targets[kind].map(lambda t: ref.Rule(kind, t))
        )
    )
    write_rule = rule.filter(lambda r: r.kind != "public")
    serial = itertools.count(1)  # ids from a counter, so that hypothesis can replay and shrink examples
    for _ in range(draw(st.integers(1, 3))):
        cid = str(uuid.UUID(int=next(serial)))
        world.collections[cid] = ref.Collection(
            cid,
            tuple(draw(st.lists(rule, max_size=3, unique=True))),
            tuple(draw(st.lists(write_rule, max_size=2, unique=True))),
        )
        count = draw(st.integers(1, 3))
        stix_ids = [f"indicator--{uuid.UUID(int=next(serial), version=4)}" for _ in range(count)]
        pairs = st.tuples(st.sampled_from(stix_ids), st.integers(1, 4))
        versions = draw(st.lists(pairs, max_size=10, unique=True))
        order = draw(st.permutations(range(len(versions))))  # date_added order is not version order
        for (stix_id, version), added in zip(versions, order, strict=True):
            world.versions.append(
                ref.Version(
                    cid,
                    stix_id,
                    version * 1_000_000,
                    added + 1,
                    draw(st.sampled_from(ref.TLPS)),
                    draw(st.sampled_from(ref.STATES)),
                    draw(st.sampled_from([None, *orgs])),
                    draw(st.sampled_from([None, *emails])),
                )
            )
    return world


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_database_answers_equal_the_reference_for_every_principal(session, world):
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    dbworld.insert_versions(session, world.versions, user_ids)

    problems: list[str] = []
    for address in [None, *world.users]:
        r = ref.reader(world, address)
        p = dbworld.principal_of(session, address)
        if set(p.readable) != ref.readable_collections(world, r):
            problems.append(f"READABLE {address}: {sorted(p.readable)}")
        if set(p.writable) != ref.writable_collections(world, r):
            problems.append(f"WRITABLE {address}: {sorted(p.writable)}")
        named = {c.id for c in world.collections.values() if ref.is_named(c, r)}
        if set(p.named) != named:
            problems.append(f"NAMED    {address}: {sorted(p.named)}")
        problems += dbworld.mismatches(session, world, address, which=("all", "first", "last"))
        for collection in world.collections:
            expected = [x.stix_id for x in ref.visible_versions(world, r, collection)]
            if len(expected) > 2 and paged(session, p, collection) != expected:
                problems.append(f"PAGING   {address} {collection}")
            last = [(x.stix_id, x.version) for x in ref.visible_versions(world, r, collection, "last")]
            columns = (ObjectVersion.stix_id, ObjectVersion.version)
            page = list_columns(session, p, collection, ObjectFilter(), EVERYTHING, None, columns)
            if [(row[0], row[1]) for row in page.items] != last:
                problems.append(f"COLUMNS  {address} {collection}")
            for stix_id in {x.stix_id for x in world.versions if x.collection == collection}:
                if object_exists(session, p, collection, stix_id) != (stix_id in expected):
                    problems.append(f"EXISTS   {address} {collection} {stix_id}")
    assert not problems, "\n".join(problems)


def paged(session, p, collection: str) -> list[str]:
    """Every visible version, read two at a time by keyset paging."""
    seen: list[str] = []
    after = None
    while True:
        page = list_versions(session, p, collection, ObjectFilter(versions=("all",)), limit=2, after=after)
        seen += [row.stix_id for row in page.items]
        if not page.more:
            return seen
        after = page.next_after
