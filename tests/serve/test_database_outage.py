"""Failing safe when the database goes away: a restart costs no request, an outage is a short 503.

Real failures only: the hub's PostgreSQL connections are killed with `pg_terminate_backend`, the database is
closed to new connections with `ALLOW_CONNECTIONS false`, or the hub points at a port nobody listens on.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hub import create_app
from hub.extensions import db
from tests.conftest import _test_config
from tests.factories import make_collection
from tests.taxii.conftest import ROOT, TAXII, assert_taxii_error, get, member, post

COLLECTIONS = "/taxii2/api/collections/"
ENVELOPE = {"objects": []}


def _postgresql_only(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (HUB_TEST_DATABASE_URL)")
    return database_url


def _admin(database_url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A superuser connection to the maintenance database, outside the hub's pool."""
    url = make_url(database_url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _kill_hub_connections(database_url: str) -> int:
    """Terminate every connection to the hub's database, as a PostgreSQL restart would."""
    name = make_url(database_url).database
    with _admin(database_url) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_first_request_after_the_connections_die_is_answered(app: Flask, database_url: str) -> None:
    """Finding 14: after a PostgreSQL restart the pool holds dead connections; no request may fail for it."""
    _postgresql_only(database_url)
    client = app.test_client()
    assert client.get(COLLECTIONS, headers={"Accept": TAXII}).status_code == 200
    assert _kill_hub_connections(database_url) >= 1
    for _ in range(3):
        response = client.get(COLLECTIONS, headers={"Accept": TAXII})
        assert response.status_code == 200, response.get_data(as_text=True)


def _pool_connections(count: int) -> None:
    """Leave `count` connections in the app's pool (checked out at once, then returned)."""
    connections = [db.engine.connect() for _ in range(count)]
    for connection in connections:
        connection.exec_driver_sql("SELECT 1")
        connection.close()


def test_pages_lookups_and_writes_after_the_connections_die_are_answered(
    app: Flask, database_url: str, session: Session
) -> None:
    """A TAXII or API GET takes its connection without the pool's ping (`hub.liveness`): its first statement
    finds the dead connection and runs again on a fresh one. Failed with that retry removed (503)."""
    _postgresql_only(database_url)
    reader = member(session)
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], title="Outage")
    session.commit()
    client = app.test_client()
    objects = f"{ROOT}/collections/{collection.id}/objects/?limit=10"
    lookup = "/api/v1/lookup?value=example.org"
    for _ in range(2):  # the second request is served from the principal cache
        assert get(client, objects, reader).status_code == 200
        assert client.get(lookup, headers=reader.headers).status_code == 200
    for then in (
        lambda: get(client, objects, reader),
        lambda: client.get(lookup, headers=reader.headers),
        lambda: get(client, "collections/"),  # anonymous: the policy version is still the first statement
        lambda: post(client, f"collections/{collection.id}/objects/", reader, ENVELOPE),  # pinged
    ):
        _pool_connections(3)
        assert _kill_hub_connections(database_url) >= 3
        for _ in range(3):
            response = then()
            assert response.status_code in (200, 202), response.get_data(as_text=True)


def test_engine_options_from_the_environment_keep_pre_ping(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> None:
    """An operator tuning the pool (HUB_SQLALCHEMY_ENGINE_OPTIONS) keeps pre-ping unless they turn it off."""
    monkeypatch.setenv("HUB_SQLALCHEMY_ENGINE_OPTIONS", '{"pool_recycle": 600}')
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True, "pool_recycle": 600}
    monkeypatch.setenv("HUB_SQLALCHEMY_ENGINE_OPTIONS", '{"pool_pre_ping": false}')
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": False}


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[Flask]:
    """A hub whose PostgreSQL is down: nothing listens on its port."""
    url = f"postgresql+psycopg://hub@127.0.0.1:{_closed_port()}/hub?connect_timeout=2"
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "k",
            "INSTANCE_PATH": str(tmp_path),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with application.app_context():
        yield application
        db.session.remove()


def _one_line_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is None and "\n" not in errors[0].getMessage()
    assert "database" in errors[0].getMessage()


def test_an_outage_is_a_taxii_503_with_retry_after(
    unreachable: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Finding 15: 503, Retry-After, a TAXII error resource and one log line, not a 500 and a traceback."""
    caplog.set_level(logging.INFO)
    response = unreachable.test_client().get(COLLECTIONS, headers={"Accept": TAXII})
    body = assert_taxii_error(response, 503)
    assert response.headers["Retry-After"].isdigit()
    assert "database" in body["description"]
    _one_line_logged(caplog)


def test_a_post_during_an_outage_says_the_outcome_is_unknown(
    unreachable: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = unreachable.test_client().post(
        COLLECTIONS + "x/objects/",
        headers={"Accept": TAXII, "Content-Type": TAXII, "Authorization": "Bearer hub_" + "x" * 43},
        data=b'{"objects": []}',
    )
    body = assert_taxii_error(response, 503)
    assert "unknown" in body["description"] and "safe" in body["description"]
    assert "nothing was changed" not in body["description"]
    _one_line_logged(caplog)


def test_web_pages_and_the_api_answer_503_in_their_own_format(unreachable: Flask) -> None:
    client = unreachable.test_client()
    page = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers["Retry-After"].isdigit()
    api = client.get("/api/v1/lookup?value=example.org", headers={"Authorization": "Bearer hub_" + "x" * 43})
    assert api.status_code == 503 and api.is_json and api.headers["Retry-After"].isdigit()


def test_a_closed_database_is_a_503_and_service_resumes(
    app: Flask, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A real outage of the test PostgreSQL: connections killed and refused, then allowed again."""
    url = _postgresql_only(database_url)
    name = make_url(url).database
    client = app.test_client()
    assert client.get(COLLECTIONS, headers={"Accept": TAXII}).status_code == 200
    caplog.set_level(logging.INFO)
    with _admin(url) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            _kill_hub_connections(url)
            response = client.get(COLLECTIONS, headers={"Accept": TAXII})
            assert_taxii_error(response, 503)
            _one_line_logged(caplog)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert client.get(COLLECTIONS, headers={"Accept": TAXII}).status_code == 200


def test_a_signed_in_member_gets_the_503_too(unreachable: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """The page cannot look the member up (the database is down): a 503 still, never a crash."""
    caplog.set_level(logging.INFO)
    client = unreachable.test_client()
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = "1:0123456789abcdef0123"
    page = client.get("/profile")
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert "unavailable" in page.get_data(as_text=True)
    _one_line_logged(caplog)


@pytest.fixture
def unpinged(
    database_url: str, _migrated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """A hub whose operator turned the pool's ping off (`{"pool_pre_ping": false}`, which docs/operations.md
    offers): a dead pooled connection is first noticed by the statement that begins a transaction."""
    _postgresql_only(database_url)
    monkeypatch.setenv("HUB_SQLALCHEMY_ENGINE_OPTIONS", '{"pool_pre_ping": false}')
    application = create_app(_test_config(_migrated, tmp_path))
    application.config["PROPAGATE_EXCEPTIONS"] = False
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_without_the_ping_a_dead_connection_is_a_database_error_and_a_503(
    unpinged: Flask, database_url: str
) -> None:
    """The hub sends PostgreSQL's `BEGIN` itself (`hub.db.begin_explicitly`): a dead connection's failure
    there is SQLAlchemy's `OperationalError`, which empties the pool, and a request answers 503 (found in
    review: sent through the driver, it was psycopg's own error, a 500, one failed request per dead
    connection)."""
    _pool_connections(3)
    assert _kill_hub_connections(database_url) >= 3
    with pytest.raises(OperationalError) as caught:
        db.session.execute(text("SELECT 1"))
    assert caught.value.connection_invalidated
    db.session.rollback()
    client = unpinged.test_client()
    _pool_connections(3)
    assert _kill_hub_connections(database_url) >= 3
    answers = [client.post("/login", data={"email": "a@example.org", "password": "x" * 12}) for _ in range(3)]
    assert answers[0].status_code == 503, answers[0].get_data(as_text=True)[:300]
    # The pool was emptied at once: the next requests get fresh connections (a wrong password: 401).
    assert [answer.status_code for answer in answers[1:]] == [401, 401]
