"""Property: the `is_latest` shortcut of `match[version]=last` changes no answer, for anyone.

`is_last_visible` skips the probe for a newer visible version on rows flagged `is_latest` (`hub.stix.latest`).
On random worlds with several versions per STIX id (newer ones often hidden from a reader: RED, quarantined,
another organisation's), every principal's `last` answers are read three ways: with the flags as ingest
sets them, with no flag at all (every row probed, the rule as it was), and with the flags the hub's own
`mark_newest` computes from the stored rows. All three equal the plain-Python reference, and the flags the
hub computes are exactly the reference's newest versions.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from hub.policy.principal import Principal
from hub.policy.visibility import visible
from hub.stix import latest
from hub.stix.models import ObjectVersion
from hub.stix.query import ObjectFilter, count_versions, is_last_visible, list_columns, list_versions
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.dbworld import EVERYTHING
from tests.policy.test_property import EXAMPLES, worlds

COLUMNS = (ObjectVersion.stix_id, ObjectVersion.version)
Answer = list[tuple[str, str, int]]


def answers(session: Session, world: ref.World, p: Principal) -> dict[str, Answer]:
    """Every `last` answer of one principal as (collection, STIX id, version): pages of versions and of
    columns (TAXII), and the bare condition on an alias (as lookups, search and browsing use it)."""
    last = ObjectFilter(versions=("last",))
    found: dict[str, Answer] = {"versions": [], "columns": [], "counted": []}
    for c in sorted(world.collections):
        found["versions"] += [
            (c, row.stix_id, row.version) for row in list_versions(session, p, c, last, EVERYTHING).items
        ]
        found["columns"] += [
            (c, *row[:2]) for row in list_columns(session, p, c, last, EVERYTHING, None, COLUMNS).items
        ]
        found["counted"] += [(c, "", count_versions(session, p, c, last))]
    v = aliased(ObjectVersion, name="any_path")
    rows = session.execute(
        select(v.collection_id, v.stix_id, v.version).where(visible(p, v), is_last_visible(p, v))
    )
    found["condition"] = sorted((c, s, n) for c, s, n in rows)
    return found


def flagged(session: Session) -> set[tuple[str, str, int]]:
    v = ObjectVersion
    rows = session.execute(select(v.collection_id, v.stix_id, v.version).where(v.is_latest))
    return {(c, s, n) for c, s, n in rows}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_last_answers_are_the_same_with_and_without_the_flags(session, world):
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    dbworld.insert_versions(session, world.versions, user_ids)
    assert flagged(session) == ref.newest_versions(world.versions)
    principals = {address: dbworld.principal_of(session, address) for address in [None, *world.users]}
    with_flags = {address: answers(session, world, p) for address, p in principals.items()}

    session.execute(update(ObjectVersion).values(is_latest=False))
    without = {address: answers(session, world, p) for address, p in principals.items()}
    for collection in world.collections:
        stix_ids = {x.stix_id for x in world.versions if x.collection == collection}
        latest.mark_newest(session, collection, stix_ids)
    assert flagged(session) == ref.newest_versions(world.versions)
    recomputed = {address: answers(session, world, p) for address, p in principals.items()}
    session.rollback()

    for address in principals:
        assert with_flags[address] == without[address] == recomputed[address], address
        r = ref.reader(world, address)
        expected = [
            (c, x.stix_id, x.version)
            for c in sorted(world.collections)
            for x in ref.visible_versions(world, r, c, "last")
        ]
        assert with_flags[address]["versions"] == with_flags[address]["columns"] == expected, address
        assert with_flags[address]["condition"] == sorted(expected), address
        counted = [(c, "", sum(1 for x in expected if x[0] == c)) for c in sorted(world.collections)]
        assert with_flags[address]["counted"] == counted, address
