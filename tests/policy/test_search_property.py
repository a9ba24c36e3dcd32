"""Property: search and browse (results, totals, counts, folded links) reveal nothing the rule hides.

Random worlds as in `test_property`; each indicator version gets a random name, each channel a malware object
whose versions are named "Pegasus" or not, and relationships (`indicates` or `related-to`) from indicators to
it, every version with random TLP, state and producer. For every principal, searching "pegasus" must find
exactly the objects whose latest visible version is named so, plus the sources of the `indicates`
relationships whose latest visible version the reader sees and whose target's latest visible version is named
so, each at its own latest visible version; the total and the count per type must match, over every page.
Above the count's cap, exactly the newest COUNT_CAP of those, and "more" only when there are more. Some links'
`source_added` are raised above their source's newest date (as a deletion leaves them): it is only an upper
bound, by which the search reads less, never other results.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from hub.orgs import service as orgs
from hub.search import service as search_service
from hub.search.indexing import index_for_search
from hub.search.models import ObjectLink
from hub.search.service import SearchQuery, search
from hub.stix.browsing import browse
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import StoredVersion
from hub.stix.query import ObjectFilter
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_property import worlds

EXAMPLES = int(os.environ.get("HUB_POLICY_EXAMPLES", "40"))
INDICATOR_NAMES = ("Predator C2", "Phishing page", "Fake update", "pegasus loader")
MALWARE_NAMES = ("Pegasus", "Pegasus", "Predator")


def _versions(
    draw: st.DrawFn, world: ref.World, cid: str, stix_id: str, added: itertools.count
) -> list[ref.Version]:
    orgs_, emails = [None, *sorted(world.orgs)], [None, *sorted(world.users)]
    return [
        ref.Version(
            cid,
            stix_id,
            version * 1_000_000,
            next(added),
            draw(st.sampled_from(ref.TLPS)),
            draw(st.sampled_from(ref.STATES)),
            draw(st.sampled_from(orgs_)),
            draw(st.sampled_from(emails)),
        )
        for version in sorted(draw(st.sets(st.integers(1, 3), min_size=1, max_size=2)))
    ]


@st.composite
def search_worlds(draw: st.DrawFn) -> tuple[ref.World, dict[tuple[str, str, int], dict[str, object]]]:
    world = draw(worlds())
    bodies: dict[tuple[str, str, int], dict[str, object]] = {}
    for x in world.versions:
        name = draw(st.sampled_from(INDICATOR_NAMES))
        bodies[(x.collection, x.stix_id, x.version)] = {"type": "indicator", "id": x.stix_id, "name": name}
    serial = itertools.count(20_000)
    for cid in world.collections:
        added = itertools.count(1_000)
        indicators = sorted({x.stix_id for x in world.versions if x.collection == cid})
        malware = f"malware--{uuid.UUID(int=next(serial), version=4)}"
        for x in _versions(draw, world, cid, malware, added):
            world.versions.append(x)
            bodies[(cid, malware, x.version)] = {
                "type": "malware",
                "id": malware,
                "name": draw(st.sampled_from(MALWARE_NAMES)),
            }
        for source in indicators:
            link = f"relationship--{uuid.UUID(int=next(serial), version=4)}"
            for x in _versions(draw, world, cid, link, added):
                world.versions.append(x)
                kind = draw(st.sampled_from(("indicates", "related-to")))
                body = {"type": "relationship", "id": link, "relationship_type": kind}
                bodies[(cid, link, x.version)] = {**body, "source_ref": source, "target_ref": malware}
    return world, bodies


def insert_world(session, world: ref.World, bodies, user_ids: dict[str, int]) -> None:
    org_ids = {org.name: org.id for org in orgs.list_orgs(session)}
    rows = []
    for x in world.versions:
        row = dbworld.version_row(x, org_ids, user_ids)
        row["type"] = bodies[(x.collection, x.stix_id, x.version)]["type"]
        row["body"] = json.dumps(bodies[(x.collection, x.stix_id, x.version)])
        rows.append(row)
    if rows:
        session.execute(insert(ObjectVersion), rows)
    stored = [
        StoredVersion(v.id, v.version, json.loads(v.body)) for v in session.scalars(select(ObjectVersion))
    ]
    index_for_search(session, stored)
    session.commit()


def expected(world: ref.World, bodies, r: ref.Reader) -> set[tuple[str, str, int]]:
    """The reference: (channel, id, version) of every object the search must find for `r`."""
    found: set[tuple[str, str, int]] = set()
    for cid in world.collections:
        last = {x.stix_id: x for x in ref.visible_versions(world, r, cid, "last")}
        body = {stix_id: bodies[(cid, stix_id, x.version)] for stix_id, x in last.items()}
        named = {stix_id for stix_id, b in body.items() if "pegasus" in str(b.get("name", "")).lower()}
        for stix_id, x in last.items():
            b = body[stix_id]
            if stix_id in named:
                found.add((cid, stix_id, x.version))
            source = str(b.get("source_ref"))
            indicates = b["type"] == "relationship" and b["relationship_type"] == "indicates"
            if indicates and b["target_ref"] in named and source in last:
                found.add((cid, source, last[source].version))
    return found


def overstate(session, raised: list[int]) -> None:
    """Raise the `source_added` of the links (by version id) by the amounts in `raised`: still an upper bound
    of their source's dates, no longer the newest one, and no longer in the order of those dates."""
    links = session.scalars(select(ObjectLink.version_id).order_by(ObjectLink.version_id)).all()
    for version_id, amount in zip(links, raised, strict=False):
        session.execute(
            update(ObjectLink)
            .where(ObjectLink.version_id == version_id)
            .values(source_added=ObjectLink.source_added + amount)
        )
    session.commit()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    generated=search_worlds(),
    raised=st.lists(st.sampled_from((0, 0, 1, 10**12, 2 * 10**12, 3 * 10**12)), max_size=64),
)
def test_search_finds_and_counts_only_what_the_reader_may_see(session, generated, raised, monkeypatch):
    world, bodies = generated
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    insert_world(session, world, bodies, user_ids)
    overstate(session, raised)

    problems: list[str] = []
    order = {
        (v.collection_id, v.stix_id, v.version): (v.date_added, v.id)
        for v in session.scalars(select(ObjectVersion))
    }
    # every way of narrowing: the candidates as a list of ids (fetched at once, or counted first when
    # there are more than COUNT_CAP); above the limit, the newest matches read in order; each with and
    # without the count's cap reached; a common word's first reading within the newest WINDOW *
    # (COUNT_CAP + 1) versions of each channel, wide (the whole channel) and narrow (two versions)
    many, few, window = search_service.MAX_CANDIDATES, search_service.COUNT_CAP, search_service.WINDOW
    ways = [(many, few, window), (many, 2, window), (3, few, window), (0, few, window), (0, 2, window)]
    ways += [(many, 1, 100), (0, 1, 100), (many, 1, 1)]
    for (limit, cap, wide), address in itertools.product(ways, [None, *world.users]):
        monkeypatch.setattr(search_service, "MAX_CANDIDATES", limit)
        monkeypatch.setattr(search_service, "COUNT_CAP", cap)
        monkeypatch.setattr(search_service, "WINDOW", wide)
        r = ref.reader(world, address)
        p = dbworld.principal_of(session, address)
        want = expected(world, bodies, r)
        capped = len(want) > cap
        if capped:
            want = set(sorted(want, key=order.__getitem__, reverse=True)[:cap])
        got: set[tuple[str, str, int]] = set()
        page, results = 1, search(session, p, SearchQuery("PEGASUS"))
        while True:
            got |= {(v.collection_id, v.stix_id, v.version) for v in results.items}
            if page >= results.pages:
                break
            page += 1
            results = search(session, p, SearchQuery("PEGASUS", page=page))
        want_types: dict[str, int] = {}
        for _, stix_id, _ in want:
            kind = stix_id.partition("--")[0]
            want_types[kind] = want_types.get(kind, 0) + 1
        counts = (results.total, results.by_type, results.capped)
        if got != want or counts != (len(want), dict(sorted(want_types.items())), capped):
            problems.append(
                f"{address} (limit {limit}, cap {cap}, window {wide}): "
                f"got {sorted(got)} {counts}, want {sorted(want)}"
            )
    assert not problems, "\n".join(problems)


def expected_rows(world: ref.World, bodies, r: ref.Reader, cid: str) -> dict[str, tuple[str, ...]]:
    """The reference browse of a channel: each object's id (not relationships) -> the names it indicates."""
    last = {x.stix_id: x for x in ref.visible_versions(world, r, cid, "last")}
    body = {stix_id: bodies[(cid, stix_id, x.version)] for stix_id, x in last.items()}
    rows: dict[str, set[str]] = {s: set() for s, b in body.items() if b["type"] != "relationship"}
    for b in body.values():
        if b["type"] == "relationship" and b["relationship_type"] == "indicates" and b["target_ref"] in last:
            if b["source_ref"] in rows:
                rows[str(b["source_ref"])].add(str(body[str(b["target_ref"])]["name"]))
    return {stix_id: tuple(sorted(names)) for stix_id, names in rows.items()}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=search_worlds())
def test_browse_rows_totals_and_folded_links_show_only_what_the_reader_may_see(session, generated):
    world, bodies = generated
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    insert_world(session, world, bodies, user_ids)

    problems: list[str] = []
    for address in [None, *world.users]:
        r = ref.reader(world, address)
        p = dbworld.principal_of(session, address)
        for cid in world.collections:
            want = expected_rows(world, bodies, r, cid)
            page = browse(session, p, cid, ObjectFilter(), "newest", 1, 1000)
            got = {row.version.stix_id: tuple(row.indicates) for row in page.rows}
            if got != want or page.total != len(want):
                problems.append(f"{address} {cid}: got {got} ({page.total}), want {want}")
    assert not problems, "\n".join(problems)
