"""Shared fixtures: one database per test run (SQLite by default, PostgreSQL when HUB_TEST_DATABASE_URL
says so),
migrated once with the real migrations, and emptied after every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_sqlalchemy.extension import SQLAlchemy
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import URL, Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session
from werkzeug.routing.rules import Rule

from hub import create_app
from hub.application import HubFlask
from hub.config import normalise_database_url
from hub.db import Base
from hub.extensions import db as hub_db

pytest_plugins = ["tests.browser"]

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pytest_report_header(config: pytest.Config) -> str:
    return f"hub test database: {_database_url_label()}"


def _database_url_label() -> str:
    return os.environ.get("HUB_TEST_DATABASE_URL", "sqlite (temporary file)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, skip the tests marked `own_sqlite`: they run the hub's console script, benchmarks or
    servers on a SQLite file of their own whatever the test database is, so a PostgreSQL pass would repeat
    the SQLite pass to the letter (about two minutes of CPU of each pass on the 2-core CI machine). A marked
    test that asks for the test database is a mistake in the marking, and stops the run."""
    if not os.environ.get("HUB_TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="runs on a SQLite file of its own: the SQLite pass runs the same test")
    for item in items:
        if item.get_closest_marker("own_sqlite") is None:
            continue
        if "database_url" in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(f"{item.nodeid} is marked own_sqlite but uses the test database")
        item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 with its production cost takes most of a second on a busy CI machine; tests need the behaviour,
    not the cost, so they hash with the cheapest parameters argon2 allows."""
    from argon2 import PasswordHasher

    from hub.orgs import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords._hasher = production


@pytest.fixture(scope="session", autouse=True)
def _url_builders_compiled_once() -> Iterator[None]:
    """Every test builds a fresh app, and werkzeug compiles two URL-building functions for each of the
    hub's ~120 routes from a syntax tree each time: two thirds of `create_app`, about 0.15 s of every test's
    setup on the CI machine. A builder is a function of the rule's parsed parts, defaults and converters
    alone (the rule is its first argument), so within a run each distinct one is compiled once and shared."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # a werkzeug that builds URLs differently: nothing to share
        yield
        return
    builders: dict[tuple[object, ...], object] = {}

    def shared_builder(rule: Rule, append_unknown: bool = True) -> object:
        key = (
            rule.rule,
            tuple(rule._trace),
            append_unknown,
            repr(sorted((rule.defaults or {}).items())),
            tuple((name, type(converter)) for name, converter in rule._converters.items()),
        )
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = shared_builder  # type: ignore[method-assign]
    yield
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _one_engine_per_database() -> Iterator[None]:
    """Every test builds a fresh app, and with it a fresh SQLAlchemy engine whose cache of compiled
    statements starts empty: compiling each statement again in every test was about 30 % of the suite's
    CPU (tests/taxii, tests/api and tests/orgs: 88 s, 62 s with one engine). So the apps of a run share one
    engine per database URL and engine options, as a hub process's requests do. The `app` fixture still ends
    each test with `engine.dispose()`, so none of the test app's connections outlives it; nothing may dispose
    it earlier while another session holds a connection (that connection would go back to a discarded pool).
    An engine with other options (an app built with its own `SQLALCHEMY_ENGINE_OPTIONS`) is the caller's to
    dispose. An in-memory SQLite database is one per engine, so those engines are never shared. The hub sets
    an engine up once (`hub.extensions._set_up_engine`) however many apps it is bound to."""
    make_engine = getattr(SQLAlchemy, "_make_engine", None)
    if make_engine is None:  # a Flask-SQLAlchemy that makes engines differently: nothing to share
        yield
        return
    engines: dict[tuple[str, str], Engine] = {}

    def shared_engine(
        self: SQLAlchemy, bind_key: str | None, options: dict[str, object], app: Flask
    ) -> Engine:
        url = make_url(options["url"])  # a string or a URL, as Flask-SQLAlchemy passes either
        if url.database in (None, "", ":memory:"):
            return make_engine(self, bind_key, options, app)
        key = (
            url.render_as_string(hide_password=False),
            repr(sorted((name, repr(value)) for name, value in options.items() if name != "url")),
        )
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    SQLAlchemy._make_engine = shared_engine  # type: ignore[method-assign]
    yield
    SQLAlchemy._make_engine = make_engine  # type: ignore[method-assign]
    for engine in engines.values():
        engine.dispose()


class _BytecodeInMemory(BytecodeCache):
    """Jinja's compiled templates, kept for the run (Jinja checks each against its template's source)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def _templates_compiled_once() -> Iterator[None]:
    """Every test's fresh app has a fresh Jinja environment, which parsed and compiled each template it
    rendered again: about a fifth of the web, admin and report tests' CPU. Jinja's own answer, a bytecode
    cache, shares the compiled templates across the run's apps. Jinja keys it by template name and source
    alone, although autoescaping, filters and extensions are fixed at compile time: sharing holds because
    every app configures Jinja alike (`hub.web.templating`, `hub.web.i18n`); an app that configured it
    otherwise would need a cache of its own."""
    options = HubFlask.jinja_options
    HubFlask.jinja_options = {**options, "bytecode_cache": _BytecodeInMemory()}
    yield
    HubFlask.jinja_options = options


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test database: HUB_TEST_DATABASE_URL, or a fresh SQLite file.

    Under pytest-xdist each worker has a database of its own: SQLite's file is in the worker's own temporary
    folder, and on PostgreSQL the worker creates `<database>_<worker>` beside the named one (the tests empty
    every table after each test, which two workers on one database would do to each other) and drops it at
    the end."""
    url = os.environ.get("HUB_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub.sqlite3'}"
        return
    url = normalise_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        yield url
        return
    with worker_database(make_url(url), worker) as worker_url:
        yield worker_url


@contextmanager
def worker_database(url: URL, worker: str) -> Iterator[str]:
    """A fresh PostgreSQL database `<database>_<worker>` on `url`'s server for one xdist worker."""
    name = f"{url.database}_{worker}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as connection:
        connection.execute(drop)
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Bring the test database to the newest migration once per run, starting from empty."""
    from flask_migrate import upgrade

    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        with hub_db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                Base.metadata.drop_all(connection)
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        hub_db.engine.dispose()
    return database_url


def _test_config(database_url: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "FEED_ALLOW_PRIVATE": True,  # fake and peer upstreams listen on 127.0.0.1
    }


@pytest.fixture
def app(_migrated: str, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on the migrated test database; every table is emptied afterwards."""
    application = create_app(_test_config(_migrated, tmp_path))
    with application.app_context():
        yield application
        hub_db.session.remove()
        empty_tables()
        hub_db.engine.dispose()


def empty_tables() -> None:
    """Delete every row of every table of the current app's database (the schema stays)."""
    with hub_db.engine.begin() as connection:
        delete_every_row(connection)


def delete_every_row(connection: Connection) -> None:
    """Empty every table and start the ids at 1 again, as a fresh database would.

    DELETE, not TRUNCATE: a test leaves a few rows, and on PostgreSQL a TRUNCATE of the 31 tables rewrites
    every table's files, about 1 s per test on the 2-core CI machine against a few milliseconds for DELETE.
    The audit log refuses DELETE by trigger on PostgreSQL (TRUNCATE fires no row trigger), so it alone is
    truncated, and only when a test wrote to it. On PostgreSQL it is one script, one round trip: a statement
    each took 32 round trips, 25-30 ms of every test and of every example of the property tests.
    """
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    if connection.dialect.name == "postgresql":
        tables.remove("audit_events")
        connection.exec_driver_sql(_postgresql_emptying(tables))
        return
    for table in tables:
        connection.execute(text(f"DELETE FROM {table}"))
    # Statistics a test gathered (`hub import` ends with `PRAGMA optimize`), taken on its few rows, would
    # plan the next tests' statements: a fresh database has none (`tests/api/test_lookup_plan.py` checks
    # the plans without them, and failed after the import tests on the same worker).
    for (name,) in connection.execute(
        text("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'")
    ).all():
        connection.execute(text(f"DELETE FROM {name}"))


def _postgresql_emptying(tables: list[str]) -> str:
    """One script that empties `tables`, truncates the audit log when it holds rows, and restarts every used
    sequence (without a `%`: the driver reads the text for placeholders)."""
    return ";\n".join(
        [
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM audit_events) THEN TRUNCATE audit_events; END IF; END $$",
            *(f"DELETE FROM {table}" for table in tables),
            "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, false)"
            " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL",
        ]
    )


@pytest.fixture
def session(app: Flask) -> Session:
    """The app's database session (commit as the surfaces do)."""
    return hub_db.session  # type: ignore[return-value]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared folder of real public STIX files; tests that need it skip with a clear message without
    it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} is absent (it sits beside the checkout in CI)")
    return SHARED_DATA
