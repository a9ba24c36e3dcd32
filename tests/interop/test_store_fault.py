"""A batch whose store fails (the database blinks) loses nothing silently: its status names every object, the
invalid ones with their own reason and the rest as not stored, and nothing of it is stored."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from hub.extensions import db as hub_db
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.stix.ingest import NOT_STORED, add_objects
from hub.stix.models import ObjectVersion
from tests.factories import indicator


@pytest.mark.parametrize(
    "failing",
    [
        "SELECT collections.last_date_added",  # taking the lock: before the checks under it
        "FROM object_versions",  # the stored versions, read under the lock after the checks
    ],
)
def test_every_object_of_a_failed_store_is_in_its_status(session, member, failing):
    objects = [indicator(Tlp.GREEN), {"type": "indicator", "id": "indicator--broken"}, indicator(Tlp.GREEN)]
    p = principal_for(session, member.user)

    def blink(conn, cursor, statement, parameters, context, executemany) -> None:
        if failing in statement:
            raise OperationalError(statement, parameters, Exception("the database went away"))

    event.listen(hub_db.engine, "before_cursor_execute", blink)
    try:
        submission = add_objects(session, p, member.collection.id, objects)
    finally:
        event.remove(hub_db.engine, "before_cursor_execute", blink)
    session.commit()
    status = orjson.loads(submission.results)
    assert status["successes"] == []
    messages = {entry["id"]: entry["message"] for entry in status["failures"]}
    assert set(messages) == {objects[0]["id"], "indicator--broken", objects[2]["id"]}
    assert messages[objects[0]["id"]] == messages[objects[2]["id"]] == NOT_STORED
    assert messages["indicator--broken"] != NOT_STORED
    assert len(status["failures"]) == 3 and submission.failure_count == 3
    assert session.scalars(select(ObjectVersion.id)).first() is None
