"""PostgreSQL plans a warm first page and a one-value lookup once per connection, not at every request.

psycopg prepares a statement run five times on a connection; PostgreSQL then keeps one generic plan only when
it looks no dearer than a plan made for each run's values. A `LIMIT :limit` parameter (costed as a tenth of
the collection) and a `= ANY(:keys)` array (costed as many probes) made it plan every page and every lookup
anew: 0.2 and 0.4 ms of a request whose statement runs in 0.1 ms (docs/performance.md). Both failed before
(0 generic plans, every run planned)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from hub.extensions import db
from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import get, post

LOADED = 2_000
RUNS = 20  # psycopg prepares at the 5th run; PostgreSQL makes 5 custom plans, then weighs a generic one


@pytest.fixture(autouse=True)
def _postgresql_only(app: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("plan caching: PostgreSQL (HUB_TEST_DATABASE_URL)")


def _load(client: Any, hub: Any, linked: bool = False) -> None:
    """2,000 indicators (each indicating one malware when `linked`), with statistics: on a few dozen rows
    every plan is cheap and generic plans win either way; the choice this tests shows from about a
    thousand."""
    malware = _sdo("malware", {"name": "Pegasus", "is_family": True})
    for start in range(0, LOADED, 500):
        objects = [indicator(Tlp.GREEN, value=f"n{k}.example.org") for k in range(start, start + 500)]
        if linked:
            objects += [_sdo("relationship", _indicates(o["id"], malware["id"])) for o in objects]
            objects += [malware] if start == 0 else []
        answer = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": objects})
        assert answer.status_code == 202
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def _indicates(source: str, target: str) -> dict[str, str]:
    return {"relationship_type": "indicates", "source_ref": source, "target_ref": target}


def _sdo(kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    stamp = "2026-01-01T00:00:00.000Z"
    identity = {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}"}
    marking = {"object_marking_refs": [Tlp.GREEN.marking_id]}
    return {**identity, "created": stamp, "modified": stamp, **properties, **marking}


@pytest.fixture
def _loaded(client: Any, hub: Any) -> None:
    _load(client, hub)


def _plans_of(request: Callable[[], Any], marker: str) -> tuple[int, int]:
    """Run `request` `RUNS` times; the generic and custom plans PostgreSQL made for its statement that
    contains `marker`, on the connection it last ran on. Statements are seen at psycopg's cursor, on either
    path (a cursor listener would send them all through SQLAlchemy's: `hub.driver`)."""
    used: list[Any] = []
    execute = psycopg.Cursor.execute

    def note(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if marker in str(query):
            used.append(cursor.connection)
        return execute(cursor, query, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", note)
        for _ in range(RUNS):
            assert request().status_code == 200
    assert used, f"no statement with {marker!r}"
    rows = (
        used[-1]
        .execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            (f"%{marker}%",),
        )
        .fetchall()
    )
    used[-1].rollback()  # the pool lends it to the next request in autocommit
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.usefixtures("_loaded")
def test_a_warm_first_page_is_planned_once(client, hub):
    page = f"collections/{hub.shared.id}/objects/?limit=10"
    generic, custom = _plans_of(lambda: get(client, page, hub.reader), "answer.body")
    assert generic >= 5 and custom <= 5, (generic, custom)


@pytest.mark.usefixtures("_loaded")
@pytest.mark.parametrize("where", ["the newest", "next"])
def test_a_warm_page_from_a_position_is_planned_once(client, hub, where):
    """A poller's `added_after` page (near the end: the case a plan for the value favours most) and a `next`
    page: planned once."""
    objects = f"collections/{hub.shared.id}/objects/"
    if where == "next":
        query = "next=" + get(client, f"{objects}?limit=10", hub.reader).get_json(force=True)["next"]
    else:
        last = get(client, f"{objects}?limit=1900", hub.reader).headers["X-TAXII-Date-Added-Last"]
        query = f"added_after={last}"
    page = f"{objects}?limit=100&{query}"
    generic, custom = _plans_of(lambda: get(client, page, hub.reader), "object_versions.date_added >")
    assert generic >= 5 and custom <= 5, (generic, custom)


@pytest.mark.usefixtures("_loaded")
def test_a_warm_one_value_lookup_is_planned_once(client, hub):
    def lookup() -> Any:
        value = {"value": "n7.example.org"}
        return client.get("/api/v1/lookup", query_string=value, headers=hub.reader.headers)

    generic, custom = _plans_of(lookup, "answer.observable_id")
    assert generic >= 5 and custom <= 5, (generic, custom)


@pytest.mark.parametrize("statement", ["SELECT object_links.version_id", "context_link.collection_id"])
def test_a_warm_lookup_of_an_indicator_that_indicates_a_threat_is_planned_once(client, hub, statement):
    """The context's two statements (`hub.api.context`): its relationships, and them with their threats."""
    _load(client, hub, linked=True)

    def lookup() -> Any:
        answer = client.get(
            "/api/v1/lookup", query_string={"value": "n7.example.org"}, headers=hub.reader.headers
        )
        assert answer.get_json()["matches"][0]["indicates"][0]["name"] == "Pegasus"
        return answer

    generic, custom = _plans_of(lookup, statement)
    assert generic >= 5 and custom <= 5, (generic, custom)
