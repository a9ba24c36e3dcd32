"""A GET on TAXII or the API runs on one connection lent to it (`hub.reads`): its statements run there, the
connection goes back to the pool on every way out of the request, and what the request does through the ORM
(a token resolved for the first time, its last use noted) runs there too and is kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select
from werkzeug.test import TestResponse

from hub import reads
from hub.extensions import db
from hub.orgs.models import ApiToken
from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import Hub, get, member, post


@pytest.fixture
def lent_during_statements(app: Any) -> Iterator[list[bool]]:
    """For each statement sent, whether the request held a lent read connection then."""
    seen: list[bool] = []

    def note(*_: Any) -> None:
        seen.append(reads.lent())

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def _crash(*_: Any, **__: Any) -> Any:
    raise RuntimeError("a fault inside the view")


def _requests(client: FlaskClient, hub: Hub) -> dict[str, tuple[int, Any]]:
    """Every way out of a read: answered, refused, not found, bad input, and a crash."""
    # Paths built now: reading `hub.shared.id` later would begin a transaction in the test's own session.
    objects, manifest = f"collections/{hub.shared.id}/objects/", f"collections/{hub.shared.id}/manifest/"
    lookup = "/api/v1/lookup"
    return {
        "a page": (200, lambda: get(client, objects, hub.reader)),
        "a manifest": (200, lambda: get(client, manifest, hub.reader)),
        "an unknown collection": (404, lambda: get(client, "collections/nope/objects/", hub.reader)),
        "a bad filter": (400, lambda: get(client, f"{objects}?added_after=yesterday", hub.reader)),
        "a token nobody issued": (
            401,
            lambda: get(client, objects, None, headers={"Authorization": "Bearer x"}),
        ),
        "an unknown API root": (404, lambda: get(client, "/taxii2/nope/collections/", hub.reader)),
        "a lookup": (
            200,
            lambda: client.get(lookup, query_string={"value": "a.example"}, headers=hub.reader.headers),
        ),
        "a lookup without a value": (400, lambda: client.get(lookup, headers=hub.reader.headers)),
    }


def test_every_way_out_of_a_read_gives_its_connection_back(client, hub, lent_during_statements, monkeypatch):
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [indicator(Tlp.GREEN)]})
    requests = _requests(client, hub)
    for label, (status, send) in [*requests.items(), *requests.items()]:  # cold, then with the token cached
        db.session.commit()  # the test's own session holds no connection now
        before = db.engine.pool.checkedout()
        lent_during_statements.clear()
        answer: TestResponse = send()
        assert answer.status_code == status, (label, answer.get_data(as_text=True)[:300])
        assert db.engine.pool.checkedout() == before, label
        assert not reads.lent(), label
        if status != 401:  # a token nobody issued is refused from the cache of bad tokens, with no statement
            assert lent_during_statements and all(lent_during_statements), label

    monkeypatch.setattr("hub.taxii.views.list_columns", _crash)
    monkeypatch.setattr("hub.api.views.lookup", _crash)
    for label in ("a page", "a lookup"):
        db.session.commit()
        before = db.engine.pool.checkedout()
        assert requests[label][1]().status_code == 500, label
        assert db.engine.pool.checkedout() == before and not reads.lent(), label


def test_a_read_that_resolves_a_new_token_keeps_its_last_use(client, hub, session):
    """The ORM part of a read (the token looked up, its last use noted and committed at once) runs on the lent
    connection, and the write is kept: another connection sees it."""
    newcomer = member(session)
    session.commit()
    user_id, objects = newcomer.user.id, f"collections/{hub.shared.id}/objects/"
    session.commit()
    assert get(client, objects, newcomer).status_code == 200
    assert not reads.lent() and not db.session().in_transaction()
    with db.engine.connect() as other:
        used = other.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user_id))
    assert used is not None
