"""The migrations are the schema: an empty database upgraded to head matches the models exactly, and the whole
chain goes down to base and up again. Runs on the test database's dialect (SQLite, or PostgreSQL through a
database of its own next to the test database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from hub import create_app
from hub.extensions import db


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database URL with nothing in it, of the same dialect as the test database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"hub_migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def fresh_app(empty_database: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences(app: Flask) -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=dict(app.extensions["migrate"].configure_args))
        return list(compare_metadata(context, db.metadata))


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrading_an_empty_database_gives_exactly_the_models_schema(fresh_app):
    upgrade()
    assert schema_differences(fresh_app) == []
    upgrade()  # a second upgrade is a no-op
    assert tables() == set(db.metadata.tables)


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    upgrade()
    downgrade(revision="base")
    assert tables() == set()
    upgrade()
    assert schema_differences(fresh_app) == []
