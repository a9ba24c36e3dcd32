"""Property: "My submissions" and the organisation view list and count exactly what the rule lets them.

Random worlds as in `test_property` (versions with random TLP, state, producer and author, several per id).
For every principal: the organisation view opens for active organisation admins and coordinators only; "mine"
lists the latest version the reader may see of each object their organisation produced and they wrote, the
organisation view the same for every author; totals and per-state counts add up to the rows, and each row's
state is its version's. A hidden version (RED addressed to someone else, another organisation's unpublished
one, a channel the reader cannot read) is never a row and never counted.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from hub.errors import PermissionDenied
from hub.stix.produced import Scope, Wanted, produced
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_property import EXAMPLES, worlds


def expected_rows(world: ref.World, r: ref.Reader, scope: Scope) -> dict[tuple[str, str, int], str]:
    """(collection, id, version) -> state of the latest visible version of each object the reader's
    organisation produced (and the reader wrote, for "mine")."""
    if r.org is None:
        return {}
    rows = {}
    for cid in world.collections:
        for x in ref.visible_versions(world, r, cid, "last"):
            if x.producer == r.org.name and (scope is Scope.ORG or x.author == r.email):
                rows[(x.collection, x.stix_id, x.version)] = x.state
    return rows


def got_rows(session, p, scope: Scope) -> tuple[dict[tuple[str, str, int], str], list[str]]:
    rows: dict[tuple[str, str, int], str] = {}
    problems: list[str] = []
    first = produced(session, p, Wanted(scope))
    if sum(first.by_status.values()) != first.total:
        problems.append(f"counts {first.by_status} do not add up to {first.total}")
    for number in range(1, first.pages + 1):
        for row in produced(session, p, Wanted(scope, page=number)).rows:
            v = row.version
            rows[(v.collection_id, v.stix_id, v.version)] = row.status.value
    if len(rows) != first.total:
        problems.append(f"total {first.total} != {len(rows)} rows")
    return rows, problems


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_my_submissions_and_the_org_view_equal_the_reference(session, world):
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    dbworld.insert_versions(session, world.versions, user_ids)
    problems: list[str] = []
    for address in [None, *world.users]:
        r, p = ref.reader(world, address), dbworld.principal_of(session, address)
        for scope in Scope:
            org_view_allowed = r.org is not None and r.role in ("org-admin", "coordinator")
            if scope is Scope.ORG and not org_view_allowed:
                try:
                    produced(session, p, Wanted(scope))
                except PermissionDenied:
                    continue
                problems.append(f"ORG VIEW OPEN {address}")
                continue
            got, trouble = got_rows(session, p, scope)
            problems += [f"{scope} {address}: {t}" for t in trouble]
            expected = expected_rows(world, r, scope)
            if got != expected:
                problems.append(
                    f"{scope} {address}: got {sorted(got.items())} expected {sorted(expected.items())}"
                )
    assert not problems, "\n".join(problems[:20])
