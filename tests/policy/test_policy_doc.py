"""The table in docs/access-control.md says what the reference and the database answer, cell by cell.

Each row of the table is a kind of principal; each column a TLP band and a moderation state. The
scenario: an object produced by the vetted organisation `producer` and authored by
`author@producer.example`, in a collection read by `public`, `tier:registered` and `user:` rules naming
the named readers (the rows of the registered producer and of the suspended organisation are about their
own objects).
"""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

from hub.policy.tlp import Tlp
from tests.policy import dbworld
from tests.policy import reference as ref

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-control.md"
BANDS = (("clear",), ("green", "amber", "amber+strict"), ("red",))
STATES = (("published",), ("quarantined", "withdrawn"))

P = ("producer", "author@producer.example")  # the usual object: a vetted organisation's

# Row label in the document -> (reader's email, (organisation that produced the object, its author)).
ROWS = {
    "anonymous (only `public` collections)": (None, P),
    "registered-tier member, other org": ("member@registered.example", P),
    "vetted/trusted member or org-admin, other org": ("admin@vetted.example", P),
    "coordinator (vetted or above), not named": ("coordinator@trusted.example", P),
    "coordinator (vetted or above), named by `user:`": ("named-coordinator@trusted.example", P),
    "producer org, not the author": ("colleague@producer.example", P),
    "producer org at registered tier, not the author": (
        "colleague@small.example",
        ("small", "author@small.example"),
    ),
    "the author": ("author@producer.example", P),
    "named reader (`user:` rule), vetted": ("named@vetted.example", P),
    "named reader (`user:` rule), registered tier": ("named@registered.example", P),
    "any user of a suspended organisation (even named, even the author)": (
        "author@suspended.example",
        ("suspended", "author@suspended.example"),
    ),
}


def scenario() -> ref.World:
    world = ref.World()
    for name, tier, active in [
        ("producer", "vetted", True),
        ("small", "registered", True),
        ("registered", "registered", True),
        ("vetted", "vetted", True),
        ("trusted", "trusted", True),
        ("suspended", "trusted", False),
    ]:
        world.orgs[name] = ref.Org(name, tier, active)
    for address, role in [
        ("author@producer.example", "member"),
        ("colleague@producer.example", "member"),
        ("author@small.example", "member"),
        ("colleague@small.example", "member"),
        ("member@registered.example", "member"),
        ("named@registered.example", "member"),
        ("admin@vetted.example", "org-admin"),
        ("named@vetted.example", "member"),
        ("coordinator@trusted.example", "coordinator"),
        ("named-coordinator@trusted.example", "coordinator"),
        ("author@suspended.example", "coordinator"),
    ]:
        world.users[address] = ref.User(address, address.partition("@")[2].removesuffix(".example"), role)
    named = (
        "named-coordinator@trusted.example",
        "named@vetted.example",
        "named@registered.example",
        "author@suspended.example",
    )
    cid = str(uuid.UUID(int=1))
    world.collections[cid] = ref.Collection(
        cid,
        (
            ref.Rule("public"),
            ref.Rule("tier", "registered"),
            *(ref.Rule("user", address) for address in named),
        ),
    )
    serial = itertools.count(1)
    for producer, author in {object_of for _, object_of in ROWS.values()}:
        for tlp, state in itertools.product(ref.TLPS, ref.STATES):
            n = next(serial)
            stix_id = f"indicator--{uuid.UUID(int=n, version=4)}"
            world.versions.append(ref.Version(cid, stix_id, n, n, tlp, state, producer, author))
    return world


def documented_table() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 7 and set(cells[1:]) <= {"yes", "no"}:
            rows[cells[0]] = cells[1:]
    return rows


def answers(world: ref.World, visible: set[str], email: str | None, producer: str, author: str) -> list[str]:
    """The six cells of a row: for each TLP band and state group, are all (or none) of its objects visible?"""
    cells = []
    for band, states in itertools.product(BANDS, STATES):
        wanted = [
            x.stix_id
            for x in world.versions
            if x.tlp in band and x.state in states and (x.producer, x.author) == (producer, author)
        ]
        seen = {stix_id in visible for stix_id in wanted}
        assert len(seen) == 1, f"{email}: a cell of the table mixes visible and invisible objects"
        cells.append("yes" if seen.pop() else "no")
    return cells


def test_the_documented_table_is_what_the_reference_and_the_database_answer(session):
    table = documented_table()
    assert set(table) == set(ROWS), "the table in docs/access-control.md and this test name different rows"
    world = scenario()
    user_ids = dbworld.build(session, world)
    dbworld.insert_versions(session, world.versions, user_ids)
    (cid,) = world.collections
    for label, (email, (producer, author)) in ROWS.items():
        r = ref.reader(world, email)
        by_reference = {x.stix_id for x in ref.visible_versions(world, r, cid)}
        assert answers(world, by_reference, email, producer, author) == table[label], label
        assert dbworld.mismatches(session, world, email) == [], label


def test_tlp_bands_of_the_table_are_the_hub_levels():
    assert [Tlp.parse(level) for band in BANDS for level in band] == list(Tlp)
