"""PostgreSQL: the hub's connections stay in the driver's autocommit and the hub sends `BEGIN` itself
(`hub.db.begin_explicitly`). A transaction keeps the isolation level an operator configured, and a connection
that something switched out of autocommit is back in it when it returns to the pool."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from hub import create_app
from hub.extensions import db
from tests.conftest import _test_config


def _app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the driver's autocommit: PostgreSQL (HUB_TEST_DATABASE_URL)")
    application = create_app(_test_config(database_url, tmp_path))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def hub_app(_migrated: str, tmp_path: Path) -> Iterator[Flask]:
    yield from _app(_migrated, tmp_path)


@pytest.fixture
def repeatable_read(_migrated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("HUB_SQLALCHEMY_ENGINE_OPTIONS", '{"isolation_level": "REPEATABLE READ"}')
    yield from _app(_migrated, tmp_path)


def _isolation_in_a_transaction() -> str:
    level = str(db.session.execute(text("SHOW transaction_isolation")).scalar())
    db.session.rollback()
    return level


def test_a_transaction_runs_at_the_default_level(hub_app: Flask) -> None:
    assert _isolation_in_a_transaction() == "read committed"


def test_a_transaction_keeps_the_isolation_level_the_operator_configured(repeatable_read: Flask) -> None:
    """Found in review: the hub's plain `BEGIN` ran at the server's default, whatever the options said."""
    assert _isolation_in_a_transaction() == "repeatable read"


def test_a_connection_switched_out_of_autocommit_returns_to_the_pool_in_it(hub_app: Flask) -> None:
    """An isolation level given as an execution option turns the driver's autocommit off, and SQLAlchemy's
    reset on checkin leaves it off; a reads-only request lent that connection would then run in a
    transaction that its last-use write never commits."""
    db.engine.dispose()  # one pooled connection: the next checkout is the same one
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="SERIALIZABLE")
        assert connection.exec_driver_sql("SHOW transaction_isolation").scalar() == "serializable"
        assert not connection.connection.driver_connection.autocommit
    assert db.engine.pool.checkedin() == 1
    with db.engine.connect() as again:
        assert again.connection.driver_connection.autocommit
        assert again.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
