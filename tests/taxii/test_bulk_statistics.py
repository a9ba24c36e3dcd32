"""A bulk load that arrives only over TAXII refreshes PostgreSQL's planner statistics itself, instead of
leaving first pages to plans made for an empty table until autovacuum passes (issue 16)."""

from __future__ import annotations

import os
import time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from hub import db as hub_db
from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import Hub, post

pytestmark = pytest.mark.skipif(
    not os.environ.get("HUB_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="planner statistics matter on PostgreSQL only",
)


def _last_manual_analyse(session: Session) -> object:
    session.rollback()
    return session.execute(
        text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'object_versions'")
    ).scalar()


# The threshold scaled down from 5,000 changed rows: the same rule on a tenth of the load (the test took
# half a minute of a CI pass posting 6,000 objects).
STALE_ROWS = 500


def test_taxii_writes_refresh_the_statistics_after_a_bulk_load(
    client: FlaskClient, session: Session, hub: Hub, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(hub_db, "STALE_ROWS", STALE_ROWS)
    # Start from fresh statistics: the rows earlier tests inserted and deleted on this database count as
    # changes too, and could make the first post below refresh the statistics of a still empty table.
    session.execute(text("ANALYZE object_versions"))
    session.commit()
    before = _last_manual_analyse(session)
    url = f"collections/{hub.shared.id}/objects/"
    for _ in range(STALE_ROWS // 100 + 1):
        envelope = {"objects": [indicator(Tlp.GREEN) for _ in range(100)]}
        assert post(client, url, hub.producer, envelope).status_code == 202
    # the server's statistics counters are flushed at most once a second; the next write sees them
    deadline = time.monotonic() + 10
    while _last_manual_analyse(session) == before and time.monotonic() < deadline:
        time.sleep(1.1)
        assert post(client, url, hub.producer, {"objects": [indicator(Tlp.GREEN)]}).status_code == 202
    assert _last_manual_analyse(session) != before
    estimated = session.execute(
        text("SELECT reltuples FROM pg_class WHERE relname = 'object_versions'")
    ).scalar()
    assert estimated is not None and estimated >= STALE_ROWS
    # and then it stays quiet: a small write does not analyse again
    refreshed = _last_manual_analyse(session)
    time.sleep(1.1)
    assert post(client, url, hub.producer, {"objects": [indicator(Tlp.GREEN)]}).status_code == 202
    assert _last_manual_analyse(session) == refreshed
