"""On SQLite a lookup starts from the looked-up values, whatever the collection holds, and reaches each
match's sightings and relationships by index.

Without planner statistics SQLite took the visibility rule's `collection_id = ?` for the selective condition
and read every version of the collection, probing the observables of each: a single value cost O(N), and
1,000 values took 2 s at 100k objects (docs/performance.md). PostgreSQL plans from the key index itself.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from hub.api.service import lookup
from hub.extensions import db
from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


@pytest.mark.parametrize("with_version", [False, True], ids=["alone", "with the policy version"])
@pytest.mark.parametrize("count", [2, 1000])
def test_the_lookup_queries_read_the_observables_index_first(session, count, with_version):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("a SQLite query plan")
    producer = make_user(session, make_org(session, tier="trusted"))
    collection = make_collection(session, read=["tier:registered"], write=["tier:vetted"])
    post(session, producer, collection, [indicator(Tlp.GREEN, value=f"plan{i}.example") for i in range(5)])
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "observables" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        values = ["plan1.example", "plan3.example", *(f"absent{i}.example" for i in range(count - 2))]
        check = (lambda _version: None) if with_version else None  # as an unchecked principal's request
        results = lookup(session, principal(session, producer), values, check)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert [len(r.matches) for r in results] == [1, 1] + [0] * (count - 2)
    assert len(statements) == 1  # the matching indicators, their sightings counted inside
    connection = session.connection().connection.driver_connection
    for statement, parameters in statements:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
        if with_version:  # first the one-row version, then the lookup's own plan, then the join of the two
            start = plan.index("MATERIALIZE looked_up")
            before, plan = plan[:start], plan[start:]
            assert all(
                "policy" in step or "CONSTANT ROW" in step or "SUBQUERY" in step for step in before[:-1]
            )
            assert before[-1] == "MATERIALIZE answer"
            outer = [step for step in plan if step.startswith("SCAN") and "looked_up" not in step]
            assert outer == ["SCAN policy", "SCAN answer LEFT-JOIN"], plan
            plan = [step for step in plan if step not in outer]
        assert plan[:2] == [
            "MATERIALIZE looked_up",
            "SEARCH observables USING INDEX ix_observables_key (key=?)",
        ]
        assert not any(
            "object_versions USING INDEX" in step or "sighting USING INDEX" in step for step in plan
        )
        # the sightings and relationships of each match are counted and probed by index, never scanned
        assert "SEARCH sighted USING INDEX ix_observables_sighting_of (value=?)" in plan
        assert (
            "SEARCH object_links USING INDEX ix_object_links_source (source_ref=? AND relationship_type=?)"
            in plan
        )
        assert [step for step in plan if step.startswith("SCAN")] == ["SCAN looked_up"]
