"""Reads run without a transaction (issue 16): a TAXII or API GET sends no BEGIN and no COMMIT — two of a
first page's four round trips on PostgreSQL — while a write still runs inside one and is committed whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select

from hub.extensions import db
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from tests.factories import indicator
from tests.taxii.conftest import get, post


def _in_transaction(driver: Any) -> bool:
    """Whether the driver has a transaction open, or will open one before the next statement."""
    if db.engine.dialect.name == "postgresql":
        return not driver.autocommit or driver.info.transaction_status != 0  # 0: IDLE
    return bool(driver.in_transaction)


@pytest.fixture
def statements(app: Any) -> Iterator[list[tuple[str, bool]]]:
    """Each statement sent (its first word), and whether it ran inside a transaction."""
    seen: list[tuple[str, bool]] = []

    def note(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append((statement.split()[0], _in_transaction(conn.connection.driver_connection)))

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def test_a_taxii_page_and_a_lookup_run_outside_a_transaction(client, hub, statements):
    """Failed before: BEGIN before the policy version read, COMMIT after the page. (The request that first
    resolves a token notes its last use, a write committed at once, and continues in a transaction.)"""
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [indicator(Tlp.GREEN)]})
    page = f"collections/{hub.shared.id}/objects/?limit=1"
    assert get(client, page, hub.reader).status_code == 200  # resolves and caches the reader's token
    statements.clear()
    answer = get(client, page, hub.reader)
    assert answer.status_code == 200 and answer.get_json(force=True)["objects"]
    lookup = client.get("/api/v1/lookup", query_string={"value": "example.org"}, headers=hub.reader.headers)
    assert lookup.status_code == 200
    assert len(statements) >= 2, statements  # a page and a lookup, each with its policy version
    assert not any(verb == "BEGIN" or inside for verb, inside in statements), statements


def test_a_taxii_write_still_runs_in_one_transaction(client, hub, statements):
    objects = [indicator(Tlp.GREEN), indicator(Tlp.GREEN)]
    answer = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": objects})
    assert answer.status_code == 202
    writes = [inside for verb, inside in statements if verb in ("INSERT", "UPDATE")]
    assert writes and all(writes)
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ObjectVersion)) == 2


def test_a_taxii_page_sends_no_ping_on_postgresql(client, hub, monkeypatch):
    """One round trip, the page with the policy version: the pool's `SELECT 1` before lending the connection
    is not sent (`hub.liveness`; the page is the check), nor a version read of its own
    (`hub.policy.version_check`). Failed before with three, then two."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("round trips: PostgreSQL (HUB_TEST_DATABASE_URL)")
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [indicator(Tlp.GREEN)]})
    page = f"collections/{hub.shared.id}/objects/?limit=1"
    assert get(client, page, hub.reader).status_code == 200  # resolves and caches the reader's token
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def noted(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", noted)
    answer = get(client, page, hub.reader)
    assert answer.status_code == 200 and answer.get_json(force=True)["objects"]
    assert len(sent) == 1 and "policy_version" in sent[0] and "object_versions" in sent[0], sent
