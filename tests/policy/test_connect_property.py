"""Property: the API and TAXII page lists exactly the channels the reader may read, and says "read and write"
exactly where the reader may also write; the token form offers no other channel. Random worlds as in
`test_property`, checked against the plain-Python reference for every user."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from hub.web.connect import endpoints
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_property import worlds

EXAMPLES = int(os.environ.get("HUB_POLICY_EXAMPLES", "40"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_the_page_lists_what_the_reader_may_read_and_marks_what_they_may_write(app, session, world):
    dbworld.empty_tables(session)
    dbworld.build(session, world)

    problems: list[str] = []
    with app.test_request_context():
        for address in world.users:
            r = ref.reader(world, address)
            listed = {e.collection.id: e.may_write for e in endpoints(dbworld.principal_of(session, address))}
            readable = ref.readable_collections(world, r)
            writable = ref.writable_collections(world, r)
            want = {cid: cid in writable for cid in readable}
            if listed != want:
                problems.append(f"{address}: listed {listed}, want {want}")
    assert not problems, "\n".join(problems)
