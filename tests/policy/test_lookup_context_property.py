"""Property: the lookup's context ("indicates Pegasus") names only threats the reader may see.

The random worlds of `test_search_property` (indicators, a malware object per channel named "Pegasus" or not,
`indicates` or `related-to` relationships, every version with random TLP, state and producer). For every
principal and every indicator it may see, `hub.api.context.indicated` must name exactly the targets of the
relationships whose latest visible version `indicates`, when the target's latest visible version exists, by
that version's name.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from hub.api.context import indicated
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_search_property import EXAMPLES, insert_world, search_worlds


def expected(world: ref.World, bodies, r: ref.Reader) -> dict[tuple[str, str], list[str | None]]:
    """The reference: (channel, visible indicator) -> names of the visible threats it indicates."""
    found: dict[tuple[str, str], list[str | None]] = {}
    for cid in world.collections:
        last = {x.stix_id: x for x in ref.visible_versions(world, r, cid, "last")}
        body = {stix_id: bodies[(cid, stix_id, x.version)] for stix_id, x in last.items()}
        for stix_id, b in body.items():
            if b["type"] == "indicator":
                found[(cid, stix_id)] = []
        for b in body.values():
            indicates = b["type"] == "relationship" and b["relationship_type"] == "indicates"
            if indicates and b["target_ref"] in last and (cid, b["source_ref"]) in found:
                found[(cid, str(b["source_ref"]))].append(str(body[str(b["target_ref"])]["name"]))
    return {place: sorted(names) for place, names in found.items() if names}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=search_worlds())
def test_lookup_context_names_only_what_the_reader_may_see(session, generated):
    world, bodies = generated
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    insert_world(session, world, bodies, user_ids)

    problems: list[str] = []
    for address in [None, *world.users]:
        r = ref.reader(world, address)
        p = dbworld.principal_of(session, address)
        places = {
            (cid, x.stix_id)
            for cid in world.collections
            for x in ref.visible_versions(world, r, cid, "last")
            if x.stix_id.startswith("indicator--")
        }
        want = expected(world, bodies, r)
        got = {
            place: sorted(t.name for t in threats) for place, threats in indicated(session, p, places).items()
        }
        if got != want:
            problems.append(f"{address}: got {got}, want {want}")
    assert not problems, "\n".join(problems)
