"""The visibility matrix: tier × role × org status × TLP × rule kind × state × relation to the object.

One world per rule kind (a collection read by that kind of rule), built through the services; every
principal of the world is then checked against the plain-Python reference (`tests/policy/reference.py`)
through `list_versions` and `count_versions`. Every cell of the matrix is asserted to have been checked,
so a shrinking world cannot pass silently.

The world, for each rule kind:
- for each tier × status, two organisations, `a-…` (matched by org/group/user rules) and `b-…` (never named);
- in each organisation one user per role, each the author of one object per TLP × state;
- one inactive coordinator in a trusted active organisation, and the anonymous visitor.
"""

from __future__ import annotations

import itertools
import uuid

import orjson
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.orgs import service as orgs
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.stix.ingest import add_objects
from hub.stix.models import ObjectVersion, State
from tests.factories import indicator
from tests.policy import dbworld
from tests.policy import reference as ref

STATUSES = ("active", "suspended")
SIDES = ("a", "b")
WORLD_KINDS = ("public", "tier:registered", "tier:vetted", "tier:trusted", "org", "group", "user")
INACTIVE = "inactive@a-trusted-active.example"


def org_name(side: str, tier: str, status: str) -> str:
    return f"{side}-{tier}-{status}"


def email(role: str, org: str) -> str:
    return f"{role}@{org}.example"


def read_rules(kind: str) -> tuple[ref.Rule, ...]:
    named_orgs = [org_name("a", t, s) for t in ref.TIERS for s in STATUSES]
    if kind == "public":
        return (ref.Rule("public"),)
    if kind.startswith("tier:"):
        return (ref.Rule("tier", kind.partition(":")[2]),)
    if kind == "org":
        return tuple(ref.Rule("org", name) for name in named_orgs)
    if kind == "group":
        return (ref.Rule("group", "circle"),)
    # Members and coordinators of the `a` organisations are named; their org-admins are not, so the same
    # organisation holds named and unnamed users. RED may be posted here (a `user:` read rule exists).
    named = [email(role, org) for org in named_orgs for role in ("member", "coordinator")]
    return tuple(ref.Rule("user", address) for address in named)


def make_world(kind: str) -> ref.World:
    world = ref.World()
    for side, tier, status in itertools.product(SIDES, ref.TIERS, STATUSES):
        name = org_name(side, tier, status)
        groups = frozenset({"circle"} if side == "a" else ())
        world.orgs[name] = ref.Org(name, tier, status == "active", groups)
        for role in ref.ROLES:
            world.users[email(role, name)] = ref.User(email(role, name), name, role)
    world.users[INACTIVE] = ref.User(INACTIVE, "a-trusted-active", "coordinator", active=False)
    cid = str(uuid.uuid4())
    world.collections[cid] = ref.Collection(cid, read_rules(kind), (ref.Rule("tier", "registered"),))
    return world


def fill(session: Session, world: ref.World, user_ids: dict[str, int]) -> None:
    """Post every author's objects through ingest; insert directly only what ingest refuses, then set states.

    Ingest refuses (by design, see test_write_rules.py) posts from suspended organisations, AMBER and
    above from registered organisations, and RED into collections without a `user:` read rule; those rows
    are inserted directly so that the matrix still covers such objects (an organisation may be suspended or
    downgraded after posting, and a collection's rules may change). Moderation has no service in this
    issue, so states are set with an UPDATE.
    """
    (cid,) = world.collections
    clock = itertools.count(1)
    direct: list[ref.Version] = []
    for user in world.users.values():
        if not user.active:
            continue
        objects = {}
        for tlp, state in itertools.product(ref.TLPS, ref.STATES):
            obj = indicator(Tlp.parse(tlp))
            objects[obj["id"]] = obj
            world.versions.append(ref.Version(cid, obj["id"], 0, 0, tlp, state, user.org, user.email))
        refused = set(objects)
        if world.orgs[user.org].active:
            p = principal_for(session, orgs.get_user(session, user.email))
            submission = add_objects(session, p, cid, list(objects.values()))
            session.commit()
            refused = {entry["id"] for entry in orjson.loads(submission.results)["failures"]}
        direct += [x for x in world.versions if x.stix_id in refused]
    dbworld.insert_versions(session, [_stamped(x, next(clock)) for x in direct], user_ids)
    for state in ref.STATES:
        ids = [x.stix_id for x in world.versions if x.state == state]
        value = int(State[state.upper()])
        session.execute(update(ObjectVersion).where(ObjectVersion.stix_id.in_(ids)).values(state=value))
    session.commit()
    stored = {row.stix_id: row for row in session.scalars(select(ObjectVersion))}
    world.versions[:] = [
        ref.Version(
            cid,
            x.stix_id,
            stored[x.stix_id].version,
            stored[x.stix_id].date_added,
            x.tlp,
            x.state,
            x.producer,
            x.author,
        )
        for x in world.versions
    ]


def _stamped(x: ref.Version, n: int) -> ref.Version:
    # Directly inserted rows get date_added values far below ingest's clock, unique within the collection.
    return ref.Version(x.collection, x.stix_id, n, n, x.tlp, x.state, x.producer, x.author)


def relation(x: ref.Version, r: ref.Reader) -> str:
    if r.org is None:
        return "anonymous"
    if x.author == r.email:
        return "author"
    return "same-org" if x.producer == r.org.name else "other-org"


@pytest.mark.parametrize("kind", WORLD_KINDS)
def test_every_principal_sees_exactly_what_the_reference_allows(session, kind):
    world = make_world(kind)
    user_ids = dbworld.build(session, world)
    fill(session, world, user_ids)
    assert len(world.versions) == len(ref.ROLES) * len(ref.TIERS) * 2 * 2 * len(ref.TLPS) * len(ref.STATES)

    problems: list[str] = []
    cells: set[tuple[str, ...]] = set()
    outcomes: set[bool] = set()
    for address in [None, *world.users]:
        problems += dbworld.mismatches(session, world, address)
        user = world.users.get(address) if address else None
        r = ref.reader(world, address)
        for x in world.versions:
            outcomes.add(ref.visible(world, x, r))
            if user is None:
                cells.add(("anonymous", x.tlp, x.state))
            elif not user.active:
                continue  # checked above like everyone, but it covers no cell of its own
            else:
                status = "active" if world.orgs[user.org].active else "suspended"
                inner = ref.Reader(user.email, world.orgs[user.org], user.role)
                cells.add((world.orgs[user.org].tier, user.role, status, x.tlp, x.state, relation(x, inner)))

    assert not problems, f"{len(problems)} cells differ from the reference:\n" + "\n".join(problems[:60])
    expected_cells = {
        *itertools.product(
            ref.TIERS, ref.ROLES, STATUSES, ref.TLPS, ref.STATES, ("author", "same-org", "other-org")
        ),
        *itertools.product(("anonymous",), ref.TLPS, ref.STATES),
    }
    assert cells == expected_cells
    assert outcomes == {True, False}
