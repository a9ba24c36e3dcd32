"""The hub sets an engine up once, however many apps are bound to it: the tests bind every app of a run to
one engine per database (`tests/conftest.py::_one_engine_per_database`), and a second wrapped ping or a
second `BEGIN` listener would make every later test's checkouts and transactions differ from production's."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from hub import create_app
from hub.extensions import db
from tests.conftest import _test_config
from tests.taxii.conftest import statements_sent


def _second_app(app: Flask, tmp_path: Path) -> Flask:
    return create_app(_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "second"))


def test_a_second_app_shares_the_engine_without_wrapping_its_ping_again(app: Flask, tmp_path: Path) -> None:
    engine, ping = db.engine, db.engine.dialect.do_ping
    second = _second_app(app, tmp_path)
    with second.app_context():
        assert db.engine is engine
    assert engine.dialect.do_ping is ping


def test_a_transaction_sends_one_begin_with_two_apps_on_the_engine(app: Flask, tmp_path: Path) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the hub's own BEGIN listener: PostgreSQL (HUB_TEST_DATABASE_URL)")
    engine = db.engine
    with _second_app(app, tmp_path).app_context():
        assert db.engine is engine

    def one_transaction() -> None:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()

    assert [s for s in statements_sent(one_transaction) if s.startswith("BEGIN")] == ["BEGIN"]


def test_an_in_memory_sqlite_database_is_not_shared(app: Flask, tmp_path: Path) -> None:
    """Each engine on `sqlite://` has a database of its own: a shared one would carry rows between tests."""
    first, second = (create_app(_test_config("sqlite://", tmp_path / name)) for name in ("one", "two"))
    engines = []
    for application in (first, second):
        with application.app_context():
            engines.append(db.engine)
            db.engine.dispose()
    assert engines[0] is not engines[1]
