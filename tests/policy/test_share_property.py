"""Property: the share flow's bulk preview and threat step reveal nothing the visibility rule hides.

Random worlds as in `test_correlation_property` and `test_search_property`. For every principal:
- the bulk preview of a pasted list (each value spelt as a person might paste it) correlates each line with
  exactly the (channel, indicator) pairs, TLPs, producers and sightings counts of the reference;
- the threat step's matches for "pegasus" are exactly the malware whose latest visible version in some channel
  is named so, and a chosen id is accepted (`get_threat`) only when some version of it is visible.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import NotFound
from hub.stix.bulk import preview_lines, read_lines
from hub.stix.threats import find_threats, get_threat
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy import test_correlation_property as corr
from tests.policy import test_search_property as srch

EXAMPLES = int(os.environ.get("HUB_POLICY_EXAMPLES", "40"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cw=corr.correlated_worlds(), spelling=st.sampled_from(corr.SPELLINGS))
def test_the_bulk_preview_correlates_only_what_the_reader_may_see(session, cw, spelling):
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, cw.world)
    corr.insert_world(session, cw, user_ids)

    problems: list[str] = []
    for address in [None, *cw.world.users]:
        r = ref.reader(cw.world, address)
        p = dbworld.principal_of(session, address)
        lines = read_lines("\n".join(corr.spelt(value, spelling) for value in corr.VALUES))
        preview_lines(session, p, lines)
        for value, line in zip(corr.VALUES, lines, strict=True):
            want = corr.expected(cw, r, value)
            assert line.correlation is not None
            got = {
                (o.collection_id, o.stix_id): (o.tlp, o.producer, o.first_seen, o.last_seen, o.sightings)
                for o in line.correlation.occurrences
            }
            if got != want or line.correlation.count != len(want):
                problems.append(f"{address} {line.raw!r}: got {got}, expected {want}")
    assert not problems, "\n".join(problems)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=srch.search_worlds())
def test_the_threat_step_lists_and_accepts_only_threats_the_reader_may_see(session, generated):
    world, bodies = generated
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    srch.insert_world(session, world, bodies, user_ids)

    problems: list[str] = []
    for address in [None, *world.users]:
        r = ref.reader(world, address)
        p = dbworld.principal_of(session, address)
        visible_malware: set[str] = set()
        named: set[str] = set()
        for cid in world.collections:
            for x in ref.visible_versions(world, r, cid, "last"):
                body = bodies[(cid, x.stix_id, x.version)]
                if body["type"] == "malware":
                    visible_malware.add(x.stix_id)
                    if "pegasus" in str(body["name"]).lower():
                        named.add(x.stix_id)
        got = {t.stix_id for t in find_threats(session, p, "pegasus")}
        if got != named:
            problems.append(f"{address}: matches {sorted(got)}, expected {sorted(named)}")
        every = {x.stix_id for x in world.versions if x.stix_id.startswith("malware--")}
        for stix_id in every:
            try:
                get_threat(session, p, stix_id)
                accepted = True
            except NotFound:
                accepted = False
            if accepted != (stix_id in visible_malware):
                problems.append(f"{address}: get_threat({stix_id}) accepted={accepted}")
    assert not problems, "\n".join(problems)


def test_a_blank_or_short_search_lists_nothing(session):
    p = dbworld.principal_of(session, None)
    assert find_threats(session, p, "  ") == [] and find_threats(session, p, "pe") == []
    with pytest.raises(NotFound):
        get_threat(session, p, "malware--00000000-0000-4000-8000-000000000000")
