"""A plain-Python reference of the hub's access policy, written from issue #2 and docs/access-control.md.

It deliberately imports nothing from `hub`: it works on plain data (names, emails, strings), so the tests can
compare what the SQL of `hub.policy` returns with an independent reading of the written rule. Keep it literal.

The rule (issue #2, "The one visibility rule"): an object version `x` in collection `c` is visible to `p` iff
1. `p` may read `c` (a read rule matches; suspended organisations match nothing but `public`);
2. TLP gate: CLEAR; GREEN/AMBER/AMBER+STRICT for an active organisation at tier vetted or above
   (and the producer organisation for its own objects); RED only for readers named by a `user:` read
   rule of `c`, or the author;
3. moderation gate: `published`, or `p` belongs to the producer organisation, or `p` is a
   coordinator (who, by 1, may read `c`).
Users of a suspended organisation, and inactive users, see exactly what anonymous visitors see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TIERS = ("registered", "vetted", "trusted")
ROLES = ("member", "org-admin", "coordinator")
TLPS = ("clear", "green", "amber", "amber+strict", "red")
STATES = ("published", "quarantined", "withdrawn")
RULE_KINDS = ("public", "tier", "org", "group", "user")


@dataclass(frozen=True)
class Org:
    name: str
    tier: str = "vetted"
    active: bool = True
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class User:
    email: str
    org: str
    role: str = "member"
    active: bool = True


@dataclass(frozen=True)
class Rule:
    """`kind` is one of RULE_KINDS; `target` a tier, organisation name, group name or email (None: public)."""

    kind: str
    target: str | None = None

    def text(self) -> str:
        return self.kind if self.target is None else f"{self.kind}:{self.target}"


@dataclass(frozen=True)
class Collection:
    id: str
    read: tuple[Rule, ...] = ()
    write: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Version:
    collection: str
    stix_id: str
    version: int
    date_added: int
    tlp: str
    state: str = "published"
    producer: str | None = None  # organisation name
    author: str | None = None  # email


@dataclass
class World:
    orgs: dict[str, Org] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    collections: dict[str, Collection] = field(default_factory=dict)
    versions: list[Version] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    """What the rule needs to know about whoever asks; `org` is None for anonymous (and its equivalents)."""

    email: str | None = None
    org: Org | None = None
    role: str | None = None


ANONYMOUS = Reader()


def reader(world: World, email: str | None) -> Reader:
    """The reader for a user; inactive users and users of suspended organisations count as anonymous."""
    if email is None:
        return ANONYMOUS
    user = world.users[email]
    org = world.orgs[user.org]
    if not user.active or not org.active:
        return ANONYMOUS
    return Reader(user.email, org, user.role)


def _at_least(tier: str, minimum: str) -> bool:
    return TIERS.index(tier) >= TIERS.index(minimum)


def rule_matches(rule: Rule, r: Reader, *, writing: bool = False) -> bool:
    """Whether one rule matches; `public` matches everyone for reading and nobody for writing."""
    if rule.kind == "public":
        return not writing
    if r.org is None or rule.target is None:
        return False
    if rule.kind == "tier":
        return _at_least(r.org.tier, rule.target)
    if rule.kind == "org":
        return r.org.name == rule.target
    if rule.kind == "group":
        return rule.target in r.org.groups
    if rule.kind == "user":
        return r.email == rule.target.lower()
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def may_read(c: Collection, r: Reader) -> bool:
    return any(rule_matches(rule, r) for rule in c.read)


def may_write(c: Collection, r: Reader) -> bool:
    return any(rule_matches(rule, r, writing=True) for rule in c.write)


def is_named(c: Collection, r: Reader) -> bool:
    """Named by a `user:` read rule of the collection: the condition for reading TLP:RED there."""
    return any(rule.kind == "user" and rule_matches(rule, r) for rule in c.read)


def visible(world: World, x: Version, r: Reader) -> bool:
    """The one visibility rule, clause by clause as the issue writes it."""
    c = world.collections[x.collection]
    if not may_read(c, r):
        return False
    own = r.org is not None and x.producer == r.org.name
    author = r.email is not None and x.author == r.email
    if x.tlp == "red":
        tlp_ok = is_named(c, r) or author
    elif x.tlp == "clear":
        tlp_ok = True
    else:
        tlp_ok = (r.org is not None and _at_least(r.org.tier, "vetted")) or own
    coordinator = r.role == "coordinator"
    moderation_ok = x.state == "published" or own or coordinator
    return tlp_ok and moderation_ok


def visible_versions(world: World, r: Reader, collection: str, which: str = "all") -> list[Version]:
    """Visible versions of one collection in `date_added` order; `first`/`last` pick among the *visible*
    versions of each STIX id, so a hidden newer version never hides (or reveals) an older visible one."""
    rows = [x for x in world.versions if x.collection == collection and visible(world, x, r)]
    if which != "all":
        by_id: dict[str, list[Version]] = {}
        for x in rows:
            by_id.setdefault(x.stix_id, []).append(x)
        pick = max if which == "last" else min
        chosen = {id(pick(group, key=lambda v: v.version)) for group in by_id.values()}
        rows = [x for x in rows if id(x) in chosen]
    return sorted(rows, key=lambda x: x.date_added)


def newest_versions(versions: Iterable[Version]) -> set[tuple[str, str, int]]:
    """(collection, STIX id, version) of the newest stored version of each object in its collection, whoever
    may see it: the versions that carry `is_latest`."""
    newest: dict[tuple[str, str], int] = {}
    for x in versions:
        key = (x.collection, x.stix_id)
        newest[key] = max(newest.get(key, x.version), x.version)
    return {(collection, stix_id, version) for (collection, stix_id), version in newest.items()}


def readable_collections(world: World, r: Reader) -> set[str]:
    return {c.id for c in world.collections.values() if may_read(c, r)}


def writable_collections(world: World, r: Reader) -> set[str]:
    return {c.id for c in world.collections.values() if may_write(c, r)}


def may_post(world: World, r: Reader, collection: str, tlp: str) -> str | None:
    """Why posting an object of this TLP would be refused, or None when it is accepted (the write rules)."""
    c = world.collections[collection]
    if r.org is None or not may_write(c, r):
        return "may not write"
    if r.org.tier == "registered" and tlp not in ("clear", "green"):
        return "registered tier posts only clear and green"
    if tlp == "red" and not any(rule.kind == "user" for rule in c.read):
        return "red needs a user: read rule"
    return None


def state_of_new_post(r: Reader) -> str:
    """What a post becomes: registered organisations' posts wait for a coordinator."""
    assert r.org is not None
    return "quarantined" if r.org.tier == "registered" and r.role != "coordinator" else "published"


def revocation_state(r: Reader, shown_already: bool) -> str:
    """A revocation carrying only what a published version showed is published at once; else moderated."""
    return "published" if shown_already else state_of_new_post(r)


def may_add_version(r: Reader, first_producer: str | None, revoked: bool = False) -> bool:
    """Only the organisation that posted an object's first version (in this collection) adds later ones;
    anyone who may post at all may post a new id; nobody adds a version to a revoked object."""
    return r.org is not None and not revoked and first_producer in (None, r.org.name)


def may_revise(world: World, r: Reader, collection: str, first_producer: str | None, revoked: bool) -> bool:
    """Edit or revoke a stored object: its producer organisation, where it may write, unless revoked."""
    return (
        first_producer is not None
        and may_write(world.collections[collection], r)
        and may_add_version(r, first_producer, revoked)
    )


def edit_refused(old: str, new: str, confirmed: bool) -> bool:
    """An edit may tighten TLP; widening it needs the producer's confirmation of the new audience."""
    return TLPS.index(new) < TLPS.index(old) and not confirmed


def access_levels(levels_newest_first: list[str]) -> list[str]:
    """The level each version is read at: never wider than any later version of the same object."""
    return [max(levels_newest_first[: i + 1], key=TLPS.index) for i in range(len(levels_newest_first))]


def may_delete(r: Reader, producers: Iterable[str | None]) -> bool:
    """Only the producer organisation deletes: every version to delete must be its own."""
    return r.org is not None and all(producer == r.org.name for producer in producers)


def describe(x: Version, r: Reader, extra: Mapping[str, str] | None = None) -> str:
    """A readable cell name for failure messages."""
    who = "anonymous" if r.org is None else f"{r.email} ({r.org.tier}, {r.role})"
    parts: Iterable[str] = (f"{k}={v}" for k, v in (extra or {}).items())
    return f"{who} / {x.stix_id} tlp={x.tlp} state={x.state} producer={x.producer} {' '.join(parts)}".strip()
