"""The migrations are the schema: an empty database upgraded to head matches the models exactly, and the whole
chain goes down to base and up again. Runs on the test database's dialect (SQLite, or PostgreSQL through a
database of its own next to the test database)."""

from __future__ import annotations

import json
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
from hub.extensions import SCHEMA_EXTRAS, db


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
    """The tables of the database, without Alembic's own and the full-text tables that are not models."""
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if not name.startswith(SCHEMA_EXTRAS)}


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


def test_forged_tlp_marking_definitions_stored_before_0008_are_deleted(fresh_app):
    """Issue 10, finding 4: forged official TLP definitions go; official ones (2.1 or 2.0 form) stay."""
    from hub.policy.tlp import TLP1_MARKING_IDS, Tlp, marking_definition

    upgrade(revision="0007")
    official = marking_definition(Tlp.RED)
    tlp1_green_20 = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP1_MARKING_IDS[Tlp.GREEN],
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "definition": {"tlp": "green"},
    }
    bodies = {
        1: official,
        2: {**official, "name": "TLP:CLEAR", "x_note": "share freely"},
        3: tlp1_green_20,
        4: {**tlp1_green_20, "name": "TLP:WHITE"},
    }
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO collections (id, title, description, default_tlp, last_date_added, created_at)"
                " VALUES ('c', 'c', '', 2, 0, '2026-01-01 00:00:00')"
            )
        )
        for key, body in bodies.items():
            connection.execute(
                text(
                    "INSERT INTO object_versions (id, collection_id, stix_id, type, spec_version, version,"
                    " date_added, tlp, state, is_anonymous, body) VALUES (:id, 'c', :stix_id,"
                    " 'marking-definition', '2.1', :id, :id, 0, 0, false, :body)"
                ),
                {"id": key, "stix_id": body["id"], "body": json.dumps(body)},
            )
    upgrade()
    with db.engine.connect() as connection:
        kept = connection.execute(text("SELECT id FROM object_versions ORDER BY id")).scalars().all()
    assert kept == [1, 3]


def test_0023_fills_each_links_source_added_from_its_own_collection(fresh_app):
    """A link's `source_added` is the newest `date_added` of its source in the link's collection (0 while
    none is stored there): the search relies on it never being below any of those dates."""
    upgrade(revision="observables_sighting_of")
    versions = [  # id, collection, stix id, type, date_added
        (1, "c", "indicator--s", "indicator", 10),
        (2, "c", "indicator--s", "indicator", 30),
        (3, "c", "relationship--l", "relationship", 20),
        (4, "d", "indicator--s", "indicator", 50),
        (5, "d", "relationship--l", "relationship", 60),
        (6, "c", "relationship--m", "relationship", 70),
    ]
    links = [(3, "indicator--s"), (5, "indicator--s"), (6, "indicator--t")]
    with db.engine.begin() as connection:
        for channel in ("c", "d"):
            connection.execute(
                text(
                    "INSERT INTO collections (id, title, description, default_tlp, last_date_added,"
                    " created_at) VALUES (:id, :id, '', 2, 0, '2026-01-01 00:00:00')"
                ),
                {"id": channel},
            )
        for key, channel, stix_id, kind, added in versions:
            connection.execute(
                text(
                    "INSERT INTO object_versions (id, collection_id, stix_id, type, spec_version, version,"
                    " date_added, tlp, state, is_anonymous, body) VALUES (:id, :channel, :stix_id, :kind,"
                    " '2.1', :id, :added, 0, 0, false, '{}')"
                ),
                {"id": key, "channel": channel, "stix_id": stix_id, "kind": kind, "added": added},
            )
        for version_id, source in links:
            connection.execute(
                text(
                    "INSERT INTO object_links (version_id, relationship_type, source_ref, target_ref)"
                    " VALUES (:id, 'indicates', :source, 'malware--p')"
                ),
                {"id": version_id, "source": source},
            )
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT version_id, source_added FROM object_links ORDER BY version_id")
        )
        assert [tuple(row) for row in rows] == [(3, 30), (5, 50), (6, 0)]
    downgrade(revision="observables_sighting_of")
    assert "source_added" not in {c["name"] for c in inspect(db.engine).get_columns("object_links")}
