"""`is_latest` as ingest and deletion keep it: after any sequence of posts (versions in any order, several of
one object in one envelope, copies already stored) and deletions, exactly the newest stored version of each
object in its collection carries the flag (`hub.stix.latest`), in every collection apart."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select, update

from hub.errors import NotFound
from hub.policy.tlp import Tlp
from hub.stix import latest
from hub.stix.deletion import delete_object
from hub.stix.models import ObjectVersion
from hub.stix.validation import parse_timestamp
from tests.factories import indicator, make_collection, make_org, make_user, post, principal

IDS = [f"indicator--0000000{k}-0000-4000-8000-000000000000" for k in range(4)]
STAMPS = [f"2026-01-0{day}T00:00:00.000Z" for day in range(1, 7)]


def version_of(stix_id: str, stamp: str) -> dict[str, object]:
    """The same body for the same id and version, so a repeat is "already stored", never a conflict."""
    return indicator(Tlp.GREEN, stix_id=stix_id, modified=stamp, value=f"v{stix_id[-1]}.example")


def flags(session) -> dict[tuple[str, str, int], bool]:
    v = ObjectVersion
    rows = session.execute(select(v.collection_id, v.stix_id, v.version, v.is_latest))
    return {(c, s, n): bool(flag) for c, s, n, flag in rows}


def expected(found: dict[tuple[str, str, int], bool]) -> dict[tuple[str, str, int], bool]:
    newest: dict[tuple[str, str], int] = {}
    for c, s, n in found:
        newest[(c, s)] = max(newest.get((c, s), n), n)
    return {(c, s, n): newest[(c, s)] == n for c, s, n in found}


@pytest.mark.parametrize("seed", range(6))
def test_exactly_the_newest_version_of_each_object_is_flagged(session, seed):
    rng = random.Random(seed)
    org = make_org(session, tier="trusted")
    user = make_user(session, org)
    rule = f"org:{org.name}"
    collections = [make_collection(session, read=[rule], write=[rule]) for _ in range(2)]
    for step in range(14):
        collection = rng.choice(collections)
        if step % 4 == 3:
            stix_id = rng.choice(IDS)
            choice = rng.choice(("all", "first", "last", parse_timestamp(rng.choice(STAMPS))))
            try:
                delete_object(session, principal(session, user), collection.id, stix_id, (choice,))
            except NotFound:
                pass
            session.commit()
        else:
            envelope = [version_of(rng.choice(IDS), rng.choice(STAMPS)) for _ in range(rng.randint(1, 4))]
            post(session, user, collection, envelope)
        found = flags(session)
        assert found == expected(found), f"step {step}"
    assert session.scalar(select(func.count()).select_from(ObjectVersion)) > 0


def test_a_version_older_than_the_stored_one_arrives_unflagged(session):
    org = make_org(session)
    user = make_user(session, org)
    collection = make_collection(session, read=[f"org:{org.name}"], write=[f"org:{org.name}"])
    post(session, user, collection, [version_of(IDS[0], STAMPS[3])])
    post(session, user, collection, [version_of(IDS[0], STAMPS[1]), version_of(IDS[1], STAMPS[0])])
    found = flags(session)
    assert [found[(collection.id, IDS[0], parse_timestamp(s))] for s in (STAMPS[1], STAMPS[3])] == [
        False,
        True,
    ]
    assert found[(collection.id, IDS[1], parse_timestamp(STAMPS[0]))] is True


def test_mark_newest_flags_only_versions_nothing_supersedes(session):
    org = make_org(session)
    user = make_user(session, org)
    collection = make_collection(session, read=[f"org:{org.name}"], write=[f"org:{org.name}"])
    post(session, user, collection, [version_of(IDS[0], stamp) for stamp in STAMPS[:3]])
    session.execute(update(ObjectVersion).values(is_latest=False))
    latest.mark_newest(session, collection.id, [IDS[0]])
    found = flags(session)
    assert found == expected(found) and sum(found.values()) == 1
