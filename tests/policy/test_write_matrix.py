"""The write rules (`hub.policy.writing`) against the plain-Python reference: a matrix, then random worlds.

The matrix: tier × role × organisation status × TLP × collection (RED placeable or not, writable or
read-only), plus an inactive user and the anonymous visitor. For every cell the policy's answers (may write,
the TLP levels a form offers, the moderation state) must equal the reference's, and ingest — the one way in —
must then do exactly that: store at the answered state, or refuse. So a form can never offer what ingest
refuses (issue #15: a coordinator of a registered-tier organisation was offered AMBER and refused it).

The property test draws random worlds (`test_property.worlds`) and compares the same answers for every
principal × collection × TLP, and who may add versions and delete, with the reference. Who may edit and revoke
(a revoked object takes no later version), when an edit may widen TLP, and the level older versions are read
at after a tighter one are checked the same way.
"""

from __future__ import annotations

import itertools
import uuid

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.errors import NotFound, PermissionDenied
from hub.policy import writing
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.sharing.service import get_collection
from hub.stix.ingest import add_objects
from hub.stix.models import ObjectVersion, State
from tests.factories import indicator
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_property import EXAMPLES, worlds

STATUSES = ("active", "suspended")
INACTIVE = "inactive@registered-active.example"
NAMED = str(uuid.UUID(int=1))  # RED placeable: a `user:` read rule names someone
UNNAMED = str(uuid.UUID(int=2))  # no `user:` read rule (a `user:` write rule does not count)
READ_ONLY = str(uuid.UUID(int=3))  # everyone reads, nobody matched writes


def email(role: str, org: str) -> str:
    return f"{role}@{org}.example"


def make_world() -> ref.World:
    world = ref.World()
    for tier, status in itertools.product(ref.TIERS, STATUSES):
        name = f"{tier}-{status}"
        world.orgs[name] = ref.Org(name, tier, status == "active")
        for role in ref.ROLES:
            world.users[email(role, name)] = ref.User(email(role, name), name, role)
    world.orgs["outsiders"] = ref.Org("outsiders", "trusted")
    world.users[INACTIVE] = ref.User(INACTIVE, "registered-active", "coordinator", active=False)
    everyone, writers = ref.Rule("tier", "registered"), (ref.Rule("tier", "registered"),)
    named = ref.Rule("user", email("member", "trusted-active"))
    world.collections[NAMED] = ref.Collection(NAMED, (everyone, named), writers)
    world.collections[UNNAMED] = ref.Collection(UNNAMED, (everyone,), (*writers, named))
    world.collections[READ_ONLY] = ref.Collection(READ_ONLY, (everyone,), (ref.Rule("org", "outsiders"),))
    return world


def policy_answers(p: Principal, collection: Collection) -> dict[str, object]:
    """What `hub.policy.writing` answers for one principal and collection."""
    if not writing.may_write(p, collection.id):
        return {"write": False}
    return {
        "write": True,
        "offered": [level.name.lower().replace("_", "+") for level in writing.allowed_tlps(p, collection)],
        "state": writing.initial_state(p).name.lower(),
    }


def reference_answers(world: ref.World, r: ref.Reader, cid: str) -> dict[str, object]:
    """What the reference answers for the same."""
    if not ref.may_write(world.collections[cid], r) or r.org is None:
        return {"write": False}
    return {
        "write": True,
        "offered": [tlp for tlp in ref.TLPS if ref.may_post(world, r, cid, tlp) is None],
        "state": ref.state_of_new_post(r),
    }


def test_every_write_decision_and_ingest_agree_with_the_reference(session):
    world = make_world()
    dbworld.build(session, world)
    problems: list[str] = []
    cells: set[tuple[str, ...]] = set()
    for address, cid in itertools.product([None, *world.users], world.collections):
        r = ref.reader(world, address)
        p = dbworld.principal_of(session, address)
        collection = get_collection(session, cid)
        expected = reference_answers(world, r, cid)
        if policy_answers(p, collection) != expected:
            problems.append(f"POLICY {address} {cid}: {policy_answers(p, collection)} != {expected}")
        for tlp in ref.TLPS:
            problems += _ingest_mismatch(session, world, r, p, cid, tlp, address)
            user = world.users.get(address) if address else None
            if user is not None and user.active:
                status = "active" if world.orgs[user.org].active else "suspended"
                cells.add((world.orgs[user.org].tier, user.role, status, cid, tlp))
    assert not problems, "\n".join(problems[:60])
    # Every cell of the matrix was checked (the outsiders' organisation adds cells of its own).
    assert set(itertools.product(ref.TIERS, ref.ROLES, STATUSES, world.collections, ref.TLPS)) <= cells


def _ingest_mismatch(session, world, r, p, cid, tlp, address) -> list[str]:
    """Post one indicator at `tlp`; ingest must store it at the reference's state, or refuse it."""
    expected = ref.may_post(world, r, cid, tlp)
    obj = indicator(Tlp.parse(tlp))
    try:
        submission = add_objects(session, p, cid, [obj])
    except (NotFound, PermissionDenied):
        session.rollback()
        return [] if expected == "may not write" else [f"INGEST {address} {cid} {tlp}: refused outright"]
    session.commit()
    failures = orjson.loads(submission.results)["failures"]
    if expected is not None:
        return [f"INGEST {address} {cid} {tlp}: accepted, reference says {expected}"] if not failures else []
    if failures:
        return [f"INGEST {address} {cid} {tlp}: refused ({failures[0]['message']})"]
    row = session.scalars(select(ObjectVersion).where(ObjectVersion.stix_id == obj["id"])).one()
    state = State(row.state).name.lower()
    if state != ref.state_of_new_post(r):
        return [f"INGEST {address} {cid} {tlp}: stored {state}, reference says {ref.state_of_new_post(r)}"]
    return []


@pytest.mark.parametrize("first", [None, "registered-active", "trusted-active", "outsiders"])
def test_who_may_add_versions_and_delete_follows_the_reference(session, first):
    world = make_world()
    dbworld.build(session, world)
    org_ids = {org.name: org.id for org in dbworld.orgs.list_orgs(session)}
    for address in [None, *world.users]:
        r, p = ref.reader(world, address), dbworld.principal_of(session, address)
        producer_id = org_ids[first] if first else None
        assert writing.may_add_version(p, producer_id) == ref.may_add_version(r, first), address
        if first is not None:
            assert writing.may_delete(p, [producer_id]) == ref.may_delete(r, [first]), address
            both = [producer_id, org_ids["outsiders"]]
            assert writing.may_delete(p, both) == ref.may_delete(r, [first, "outsiders"]), address


@pytest.mark.parametrize("first", [None, "registered-active", "trusted-active", "outsiders"])
def test_who_may_edit_and_revoke_follows_the_reference(session, first):
    world = make_world()
    dbworld.build(session, world)
    org_ids = {org.name: org.id for org in dbworld.orgs.list_orgs(session)}
    producer_id = org_ids[first] if first else None
    problems = []
    for address, cid, revoked in itertools.product([None, *world.users], world.collections, (False, True)):
        r, p = ref.reader(world, address), dbworld.principal_of(session, address)
        if writing.may_add_version(p, producer_id, revoked) != ref.may_add_version(r, first, revoked):
            problems.append(f"VERSION {address} first={first} revoked={revoked}")
        if r.org is not None:
            for shown in (False, True):
                state = writing.revocation_state(p, shown).name.lower()
                if state != ref.revocation_state(r, shown):
                    problems.append(f"REVOCATION STATE {address} shown={shown}: {state}")
        got = writing.may_revise(p, cid, producer_id, revoked)
        if got != ref.may_revise(world, r, cid, first, revoked):
            problems.append(f"REVISE {address} {cid} first={first} revoked={revoked}: {got}")
    assert not problems, "\n".join(problems)


@given(
    old=st.sampled_from(ref.TLPS),
    new=st.sampled_from(ref.TLPS),
    confirmed=st.booleans(),
    levels=st.lists(st.sampled_from(ref.TLPS), max_size=8),
)
def test_tlp_changes_and_the_levels_of_older_versions_follow_the_reference(old, new, confirmed, levels):
    refused = writing.tlp_change_refusal(Tlp.parse(old), Tlp.parse(new), confirmed) is not None
    assert refused == ref.edit_refused(old, new, confirmed)
    got = [t.name.lower().replace("_", "+") for t in writing.access_levels(Tlp.parse(x) for x in levels)]
    assert got == ref.access_levels(levels)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds(), producers=st.lists(st.sampled_from(["org0", "org1", "org2", "org3"]), max_size=3))
def test_write_decisions_equal_the_reference_in_random_worlds(session, world, producers):
    dbworld.empty_tables(session)
    dbworld.build(session, world)
    org_ids = {org.name: org.id for org in dbworld.orgs.list_orgs(session)}
    producers = [name for name in producers if name in org_ids]
    problems: list[str] = []
    for address in [None, *world.users]:
        r, p = ref.reader(world, address), dbworld.principal_of(session, address)
        for cid in world.collections:
            expected = reference_answers(world, r, cid)
            got = policy_answers(p, get_collection(session, cid))
            if got != expected:
                problems.append(f"POLICY {address} {cid}: {got} != {expected}")
        first = producers[0] if producers else None
        if writing.may_add_version(p, org_ids.get(first or "")) != ref.may_add_version(r, first):
            problems.append(f"VERSION {address} first={first}")
        if producers and writing.may_delete(p, [org_ids[n] for n in producers]) != ref.may_delete(
            r, producers
        ):
            problems.append(f"DELETE {address} producers={producers}")
    assert not problems, "\n".join(problems)
