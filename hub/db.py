"""Database plumbing: the declarative base, time in integer microseconds, and SQLite's transaction handling.

STIX versions and TAXII `date_added` are stored as integer microseconds since the epoch: exact, identical on
SQLite and PostgreSQL, cheap to index and compare, and trivially encoded in paging tokens.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import MetaData, Select, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

from hub.errors import NotFound

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_LOCK_OPTION = "hub_write_lock"


class Base(DeclarativeBase):
    """Declarative base of every model, with constraint names that Alembic can diff on both databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def now_us() -> int:
    """Current UTC time in integer microseconds since the epoch."""
    return time.time_ns() // 1000


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (how both databases store `DateTime` columns here)."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Turn on foreign keys, WAL and a busy timeout, and take transaction control away from pysqlite."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """Begin SQLite transactions explicitly; writers that must be serialised take the write lock up front.

    A deferred transaction that reads and later writes can fail with SQLITE_BUSY when another writer committed
    in between; `BEGIN IMMEDIATE` takes the lock first and waits for it (busy_timeout) instead.
    """
    if connection.dialect.name != "sqlite":
        return
    if connection.get_execution_options().get(WRITE_LOCK_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def begin_write(session: Any) -> None:
    """End the session's current (read) transaction and start one that holds the database's write lock.

    Ingest must assign `date_added` in commit order; on SQLite that needs `BEGIN IMMEDIATE` on a fresh
    transaction (an older read snapshot cannot be upgraded safely). Whatever the caller had pending is
    committed first.
    """
    session.commit()
    session.connection(execution_options={WRITE_LOCK_OPTION: True})


def refresh_planner_statistics(session: Any) -> None:
    """Bring the query planner's statistics up to date after a bulk load (commits).

    Right after a large first load PostgreSQL has no statistics for `object_versions`, estimates one row, and
    sorts the whole collection for a first page instead of walking the keyset index; `ANALYZE` fixes that at
    once instead of when autovacuum next passes.
    """
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE object_versions"))
        session.execute(text("ANALYZE observables"))
    else:
        session.execute(text("PRAGMA optimize"))
    session.commit()


def get_or_raise(session: Session | scoped_session[Session], model: type[T], key: Any, message: str) -> T:
    """The `model` row with primary key `key`: the one get-or-NotFound of the services.

    :raises NotFound: with `message` when there is no such row.
    """
    row = session.get(model, key)
    if row is None:
        raise NotFound(message)
    return row


def first_or_raise(session: Session | scoped_session[Session], statement: Select[T], message: str) -> T:
    """The first row `statement` selects (looked up by a name, a hash...).

    :raises NotFound: with `message` when it selects nothing.
    """
    row = session.scalar(statement)
    if row is None:
        raise NotFound(message)
    return row
