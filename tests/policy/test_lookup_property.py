"""Property: a lookup finds, and counts the sightings of, only what the reader may see.

The random worlds of `test_correlation_property` (indicator versions naming one of a few domains, sightings
of those indicators with several versions, random TLP, state and producer). For every principal and every
value, `hub.api.service.lookup` must list exactly the (channel, indicator) pairs whose latest visible version
names the value, each at the reference's TLP, with the number of distinct sightings, in any channel, whose
latest visible version sights that indicator: the count is made inside the lookup's statement, so hidden
sightings and superseded ones must not show through it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.api.service import lookup
from hub.policy.tlp import Tlp
from tests.policy import reference as ref
from tests.policy.test_correlation_property import (
    EXAMPLES,
    SPELLINGS,
    VALUES,
    CorrelatedWorld,
    correlated_worlds,
    key,
    readers_of,
    spelt,
)


def expected(cw: CorrelatedWorld, r: ref.Reader, value: str) -> dict[tuple[str, str], tuple[str, int]]:
    """The reference: (channel, indicator) -> (TLP, sightings) for the indicators that name `value`."""
    last = [x for cid in cw.world.collections for x in ref.visible_versions(cw.world, r, cid, "last")]
    out: dict[tuple[str, str], tuple[str, int]] = {}
    for x in last:
        if key(x) in cw.sights or cw.names[key(x)] != value:
            continue
        sightings = {y.stix_id for y in last if cw.sights.get(key(y)) == x.stix_id}
        out[(x.collection, x.stix_id)] = (Tlp.parse(x.tlp).label, len(sightings))
    return out


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cw=correlated_worlds(), spelling=st.sampled_from(SPELLINGS))
def test_lookup_finds_and_counts_only_what_the_reader_may_see(session, cw, spelling):
    problems: list[str] = []
    typed = [spelt(value, spelling) for value in VALUES]
    for address, r, p in readers_of(session, cw):
        for value, result in zip(VALUES, lookup(session, p, typed), strict=True):
            want = expected(cw, r, value)
            got = {(m.collection_id, m.id): (m.tlp, m.sightings) for m in result.matches}
            if got != want:
                problems.append(f"{address} {result.value!r}: got {got}, expected {want}")
    assert not problems, "\n".join(problems)
