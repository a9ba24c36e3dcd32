"""Property (issue 11): for random MISP events (tags, distribution, sharing groups, attribute- and
object-level overrides), no object the import stores is visible to anyone the event's own rules would not
allow.

The event's own rules, read literally from MISP's meaning and issue 11 (written here without `hub`): an item's
audience is that of the most restrictive of the event's and its own `tlp:` tags and distribution (0 "your
organisation only" is AMBER+STRICT, 1 "this community" and 4 "sharing group" are AMBER); a MISP object is as
restrictive as its most restrictive attribute. A converted STIX object belongs to the item whose UUID its id
carries (a relationship to both of its ends; the identity and the grouping to the event). The import goes
through `hub import`'s own function; what the database then shows each reader is compared with the plain
reference rule (`tests.policy.reference`) applied at the level the event's rules give each object.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.interop.misp import import_misp
from hub.sharing.models import Collection
from hub.stix.models import ObjectVersion
from hub.stix.query import ObjectFilter, list_versions
from tests.policy import dbworld
from tests.policy import reference as ref

EXAMPLES = int(os.environ.get("HUB_POLICY_EXAMPLES", "25"))
RANK = {name: index for index, name in enumerate(ref.TLPS)}
TAGS = (
    "tlp:clear",
    "tlp:white",
    "tlp:green",
    "tlp:amber",
    "tlp:amber+strict",
    "tlp:red",
    "tlp:ex:chr",
    "osint",
)
DISTRIBUTION = {0: "amber+strict", 1: "amber", 4: "amber"}
VALUES = {
    "domain": "d{n}.example",
    "ip-dst": "198.51.100.{n}",
    "url": "https://u{n}.example/p",
    "md5": "{n:032x}",
    "email-src": "x{n}@m.example",
    "comment": "note {n}",
}
IMPORTER = "analyst@imp.example"
READERS = (None, "member@reg.example", "member@vet.example", "named@named.example", "colleague@imp.example")


def _level(item: dict) -> str | None:
    """What one MISP item says by itself (None: nothing)."""
    levels = []
    for tag in item.get("Tag", ()):
        name = tag["name"].removeprefix("tlp:").replace("white", "clear")
        if tag["name"].startswith("tlp:") and name in RANK:
            levels.append(name)
    if int(item.get("distribution", 5)) in DISTRIBUTION:
        levels.append(DISTRIBUTION[int(item["distribution"])])
    return max(levels, key=RANK.__getitem__) if levels else None


def _most(*levels: str | None) -> str | None:
    known = [level for level in levels if level]
    return max(known, key=RANK.__getitem__) if known else None


@st.composite
def events(draw: st.DrawFn) -> dict:
    serial = itertools.count(1)

    def uid() -> str:
        return str(uuid.UUID(int=next(serial) + draw(st.integers(0, 10**6)) * 1000, version=4))

    tags = st.lists(st.sampled_from(TAGS).map(lambda t: {"name": t}), max_size=2)
    distribution = st.sampled_from(("0", "1", "2", "3", "4", "5", 4))

    def attribute(relation: str | None = None) -> dict:
        kind = draw(st.sampled_from(sorted(VALUES)))
        item = {
            "uuid": uid(),
            "type": kind,
            "category": "Network activity",
            "value": VALUES[kind].format(n=next(serial)),
            "to_ids": draw(st.booleans()) and kind != "comment",
            "timestamp": "1767000000",
            "distribution": draw(distribution),
            "Tag": draw(tags),
        }
        if item["distribution"] in ("4", 4):
            item["sharing_group_id"] = "1"
        if relation:
            item["object_relation"] = relation
        return item

    body = {
        "uuid": uid(),
        "info": "generated event",
        "date": "2026-01-10",
        "timestamp": "1767000000",
        "threat_level_id": "2",
        "analysis": "2",
        "distribution": draw(st.sampled_from(("0", "1", "2", "3", "4"))),
        "Orgc": {"name": "Producer", "uuid": uid()},
        "Tag": draw(tags),
        "Attribute": [attribute() for _ in range(draw(st.integers(1, 4)))],
        "Object": [],
    }
    if body["distribution"] == "4":
        body["sharing_group_id"] = "1"
    for _ in range(draw(st.integers(0, 1))):
        members = [attribute("domain"), attribute("ip")]
        for member in members:
            member["type"] = "domain" if member["object_relation"] == "domain" else "ip-dst"
            member["value"] = VALUES[member["type"]].format(n=next(serial))
        body["Object"].append(
            {
                "uuid": uid(),
                "name": "domain-ip",
                "meta-category": "network",
                "timestamp": "1767000000",
                "distribution": draw(distribution),
                "Attribute": members,
            }
        )
    return {"Event": body}


def _allowed_levels(event: dict) -> dict[str, str | None]:
    """UUID -> the level the event's own rules give what comes from it."""
    body = event["Event"]
    floor = _level(body)
    levels: dict[str, str | None] = {body["uuid"]: floor, body["Orgc"]["uuid"]: floor}
    for attribute in body["Attribute"]:
        levels[attribute["uuid"]] = _most(floor, _level(attribute))
    for obj in body["Object"]:
        level = _most(floor, _level(obj), *(_level(a) for a in obj["Attribute"]))
        for item in (obj, *obj["Attribute"]):
            levels[item["uuid"]] = level
    return levels


def _rule_level(row: ObjectVersion, levels: dict[str, str | None], default: str) -> str:
    body = json.loads(row.body)
    if row.type == "relationship":
        ends = [body["source_ref"], body["target_ref"]]
        level = _most(*(levels[end.partition("--")[2]] for end in ends))
    else:
        level = levels[row.stix_id.partition("--")[2]]  # KeyError: an object the test cannot place
    return level or default


def _world(default: str, red_readers: bool) -> ref.World:
    world = ref.World()
    for name, tier in (("imp", "vetted"), ("reg", "registered"), ("vet", "vetted"), ("named", "vetted")):
        world.orgs[name] = ref.Org(name, tier)
    for email in (IMPORTER, *READERS[1:]):
        world.users[email] = ref.User(email, email.partition("@")[2].removesuffix(".example"))
    read = [ref.Rule("public"), ref.Rule("tier", "registered")]
    if red_readers:
        read.append(ref.Rule("user", "named@named.example"))
    cid = str(uuid.UUID(int=1))
    world.collections[cid] = ref.Collection(cid, tuple(read), (ref.Rule("org", "imp"),))
    return world


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=events(),
    default=st.sampled_from(("clear", "green", "amber")),
    red_readers=st.booleans(),
)
def test_no_imported_object_is_visible_beyond_its_event_rules(session, tmp_path, event, default, red_readers):
    dbworld.empty_tables(session)
    world = _world(default, red_readers)
    dbworld.build(session, world)
    (collection,) = world.collections
    session.get(Collection, collection).default_tlp = RANK[default]
    session.commit()
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    import_misp(session, dbworld.principal_of(session, IMPORTER), collection, path)

    levels = _allowed_levels(event)
    rows = session.scalars(select(ObjectVersion).where(ObjectVersion.type != "marking-definition")).all()
    assert rows or not red_readers, "nothing was stored although every level could be placed"
    allowed = {
        row.stix_id: ref.Version(
            collection,
            row.stix_id,
            row.version,
            row.date_added,
            _rule_level(row, levels, default),
            producer="imp",
            author=IMPORTER,
        )
        for row in rows
    }
    leaks = []
    for email in READERS:
        p = dbworld.principal_of(session, email)
        r = ref.reader(world, email)
        seen = list_versions(session, p, collection, ObjectFilter(versions=("all",)), limit=10_000).items
        for row in seen:
            if row.type != "marking-definition" and not ref.visible(world, allowed[row.stix_id], r):
                leaks.append(
                    f"{email or 'anonymous'} sees {row.stix_id} at {row.tlp}, "
                    f"the event allows {allowed[row.stix_id].tlp}"
                )
    assert not leaks, "\n".join(leaks)
