"""Database plumbing: the declarative base, time in integer microseconds, and SQLite's transaction handling.

STIX versions and TAXII `date_added` are stored as integer microseconds since the epoch: exact, identical on
SQLite and PostgreSQL, cheap to index and compare, and trivially encoded in paging tokens.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from sqlite3 import SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_SCHEMA, OperationalError
from typing import Any, TypeVar

from psycopg.pq import TransactionStatus
from sqlalchemy import ColumnElement, MetaData, Select, String, Table, any_, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, scoped_session

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
NO_BEGIN_OPTION = "hub_no_begin"  # `hub.reads`: each statement on its own (autocommit)


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


@event.listens_for(SQLiteDialect_pysqlite, "do_execute")
def _sqlite_execute(cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
    """Run a statement as SQLAlchemy's own `do_execute` would (this replaces it), and once more when SQLite
    answers SQLITE_SCHEMA: it could not compile the statement again after another process changed the schema.

    SQLite 3.40 (Debian 12's) to at least 3.46 (3.48 is fixed), foreign keys on: a `DELETE` whose trigger
    writes to `search_fts` (on `search_text`, or cascading to it from `object_versions`), when it is the first
    statement to see another process's schema change (`hub db upgrade`; the first `hub import`, whose `PRAGMA
    optimize` creates `sqlite_stat1`) and the connection has not used `search_fts` since it last read the
    schema, fails with SQLITE_SCHEMA "no such table: search_text"; run again, it works. SQLite reports
    SQLITE_SCHEMA before the statement ran, and a failed statement is undone anyway: nothing runs twice. A
    missing table is SQLITE_ERROR, not retried; `executemany` is not hooked (rows before a failure stay).
    """
    try:
        cursor.execute(statement, parameters)
    except OperationalError as error:
        if error.sqlite_errorcode != SQLITE_SCHEMA:
            raise
        cursor.execute(statement, parameters)
    return True


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """Begin SQLite transactions explicitly; writers that must be serialised take the write lock up front.

    A deferred transaction that reads and later writes can fail with SQLITE_BUSY when another writer committed
    in between; `BEGIN IMMEDIATE` takes the lock first and waits for it (busy_timeout) instead.
    """
    if connection.dialect.name != "sqlite":
        return
    options = connection.get_execution_options()
    if options.get(NO_BEGIN_OPTION):
        return
    if options.get(WRITE_LOCK_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


ISOLATION_LEVELS = frozenset({"READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"})


def begin_explicitly(engine: Engine, isolation_level: str | None = None) -> None:
    """On PostgreSQL, keep the hub engine's connections in the driver's autocommit and send `BEGIN` when a
    transaction begins, as on SQLite (above): a connection lent with `NO_BEGIN_OPTION` then runs each
    statement on its own with nothing to switch. The other way round (the driver beginning by itself, a
    request that only reads switching its connection to autocommit) cost 55 Python calls per read to set
    the isolation level on checkout and reset it on checkin (docs/performance.md, "Session 8").

    - psycopg's `commit()` and `rollback()` send `COMMIT`/`ROLLBACK` whenever the server has a transaction
      open, autocommit or not, so a transaction this `BEGIN` opened ends as one psycopg opened would.
    - The `BEGIN` is a statement through SQLAlchemy, as SQLite's is: a dead connection's error is a
      SQLAlchemy `OperationalError` that invalidates the pool (a 503 for the request, not a 500).
    - `isolation_level`, the one the engine options give (`HUB_SQLALCHEMY_ENGINE_OPTIONS`), goes with the
      `BEGIN`; with "AUTOCOMMIT" the hub begins nothing, as configured.
    - A connection that something switched out of autocommit (an isolation level as an execution option:
      SQLAlchemy sets it back on checkin, which turns autocommit off) begins by itself while it is out, and
      is put back in autocommit when it returns to the pool.
    """
    if engine.dialect.name != "postgresql":
        return
    level = (isolation_level or "").upper()
    if level == "AUTOCOMMIT":
        return
    begin = f"BEGIN ISOLATION LEVEL {level}" if level in ISOLATION_LEVELS else "BEGIN"

    def autocommit(dbapi_connection: Any, _record: Any) -> None:
        # Not an invalidated connection (None), not one with a transaction still open (psycopg refuses).
        if dbapi_connection is not None and not dbapi_connection.autocommit:
            if dbapi_connection.info.transaction_status == TransactionStatus.IDLE:
                dbapi_connection.autocommit = True

    def begin_transaction(connection: Any) -> None:
        if connection.get_execution_options().get(NO_BEGIN_OPTION):
            return
        if connection.connection.driver_connection.autocommit:
            connection.exec_driver_sql(begin)

    event.listen(engine, "connect", autocommit)
    event.listen(engine, "checkin", autocommit)
    event.listen(engine, "begin", begin_transaction)


def begin_write(session: Any) -> None:
    """End the session's current (read) transaction and start one that holds the database's write lock.

    Ingest must assign `date_added` in commit order; on SQLite that needs `BEGIN IMMEDIATE` on a fresh
    transaction (an older read snapshot cannot be upgraded safely). Whatever the caller had pending is
    committed first.
    """
    session.commit()
    session.connection(execution_options={WRITE_LOCK_OPTION: True})


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows (dicts with the same keys) in the session's transaction, in one stream: `COPY` on
    PostgreSQL, a few multi-row `INSERT`s of plain tuples on SQLite (`insert_values`).

    SQLAlchemy's executemany costs about 22 µs of Python per row in parameter processing before the driver
    sends anything (psycopg then sends one `INSERT` per row); `COPY` costs about 3 µs, with the same work in
    the database (measured on `object_versions`, `bench/ingest.py` in docs/performance.md). The values must
    already be what the columns store (no SQLAlchemy type processing happens): ints, strings, bytes, None.
    """
    if not rows:
        return
    columns = list(rows[0])
    pick = itemgetter(*columns)
    insert_values(
        session, table, columns, list(map(pick, rows)) if len(columns) > 1 else [(pick(row),) for row in rows]
    )


def insert_values(
    session: Session, table: Table, columns: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> None:
    """`insert_rows` for rows already built as tuples in the order of `columns` (no dict per row)."""
    if not values:
        return
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[column].name) for column in columns)
    driver = connection.connection.driver_connection
    if driver is None:  # pragma: no cover - a pooled connection always has its driver connection
        raise RuntimeError("no database connection")
    cursor = driver.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            _insert_sqlite(driver, cursor, f"INSERT INTO {quote(table.name)} ({names}) VALUES ", values)
    finally:
        cursor.close()


SQLITE_ROWS_PER_INSERT = 500


def _insert_sqlite(driver: Any, cursor: Any, head: str, values: Sequence[tuple[Any, ...]]) -> None:
    """Rows as few multi-row `INSERT … VALUES (…), (…)` statements (as many rows as SQLite's limit on
    parameters allows, at most `SQLITE_ROWS_PER_INSERT`), not one statement per row: FTS5 flushes what it
    holds in memory into a new index segment at the end of every statement that wrote to it, so the search
    index's trigger (`search_text`) built one segment per row and merged them as it went: 32 µs of CPU per
    row with `executemany`, 7 µs in statements of 500 rows (a 20,000-indicator `hub import`, SQLite 3.40)."""
    width = len(values[0])
    per_statement = max(
        1, min(SQLITE_ROWS_PER_INSERT, driver.getlimit(SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    )
    row = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(values), per_statement):
        part = values[start : start + per_statement]
        cursor.execute(
            head + ", ".join([row] * len(part)), [value for row_values in part for value in row_values]
        )


IN_LIST = 500  # values per IN list on SQLite


def in_lists(
    session: Session,
    column: InstrumentedAttribute[Any] | ColumnElement[Any],
    values: Sequence[Any],
    element: Any = String,
) -> Iterator[ColumnElement[bool]]:
    """Conditions that together say `column IN values`, each for one statement: on PostgreSQL a single
    `column = ANY(:array)` of `element`s whatever the number of values; on SQLite IN lists of `IN_LIST`
    values.

    psycopg prepares a statement run five times, and PostgreSQL then keeps a generic plan: for an IN list of
    500 parameters that plan compares each row of the collection with the parameters one by one (a constant
    list is hashed, a parameter list is not), 0.33 s against 0.02 s unprepared at 20k rows. One array
    parameter is one statement whatever the batch, and with statistics its plan probes the index per value.
    """
    if not values:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield column == any_(bindparam(None, list(values), type_=ARRAY(element)))
        return
    for start in range(0, len(values), IN_LIST):
        yield column.in_(values[start : start + IN_LIST])


FEW_VALUES = 4  # up to this many values go as that many parameters on PostgreSQL (`one_of_parameter`)


def one_of_parameter(
    column: Any, name: str, element: Any, postgresql: bool, few: bool = False
) -> ColumnElement[bool]:
    """`column` is one of the list given later in the parameter `name` (`one_of_values` gives the
    parameters), for a statement built once and kept (`in_lists` is for values known when the statement is
    built). On PostgreSQL one array (`= ANY`), for the reasons `in_lists` gives, and because a list of 500
    parameters made psycopg parse the statement text anew on every run (too long for its cache), which cost
    more than the rest of a 1,000-value lookup.

    `few` (for at most `FEW_VALUES` values): `FEW_VALUES` parameters `name_0`... instead.
    psycopg prepares a statement run five times on a connection, and PostgreSQL then keeps one generic plan
    only when it looks no dearer than a plan made for each run's values; not knowing an array's length, it
    costs `= ANY(:name)` as many probes, so it planned every run anew: 0.5 ms of planning against 0.1 ms of
    running for a one-value lookup (docs/performance.md). A long list's planning is small beside its work.
    On SQLite the fixed text lets the statement run on the driver's cursor (`hub.driver`), which an
    expanding list, written out by SQLAlchemy on every run, cannot."""
    if few:
        slots = [bindparam(f"{name}_{i}", type_=element) for i in range(FEW_VALUES)]
        return column.in_(slots)  # type: ignore[no-any-return]
    if postgresql:
        return column == any_(bindparam(name, [], type_=ARRAY(element)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]


def one_of_values(name: str, values: Sequence[Any]) -> tuple[bool, dict[str, Any]]:
    """Whether the statement takes `values` as few parameters (`one_of_parameter`'s `few`), and the
    parameters for it: the few padded to `FEW_VALUES` by repeating the last (the same condition, and the
    same plan for one value as for four), else the whole list."""
    if 0 < len(values) <= FEW_VALUES:
        return True, {f"{name}_{i}": values[min(i, len(values) - 1)] for i in range(FEW_VALUES)}
    return False, {name: list(values)}


STALE_ROWS = 5_000  # changed rows since the last ANALYZE that make statistics worth refreshing...
STALE_SHARE = 0.2  # ...once they are also this share of the table (so refreshes grow rarer as it grows)
_ANALYSE_LOCK = 0x6875625F616E  # pg_try_advisory_xact_lock key: one refresh at a time across processes


def refresh_stale_statistics(session: Any, share: float = STALE_SHARE) -> bool:
    """PostgreSQL: ANALYZE `object_versions` and `observables` now when they changed a lot since their last
    statistics; returns whether it did. Called before a TAXII write, so a bulk load that arrives only over
    TAXII plans its reads on fresh statistics without waiting for autovacuum's next pass (a first load leaves
    the planner estimating one row and sorting a whole collection for a first page). One cheap catalogue read
    per call; the ANALYZE itself runs a few times per bulk load, one process at a time. `share` is the part
    of the table that must have changed (`hub import` waits for it to double: see `hub.interop.importer`)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    row = session.execute(
        text(
            "SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'object_versions'"
        )
    ).first()
    if row is None:
        return False
    changed, estimated = int(row[0] or 0), max(float(row[1] or 0), 0.0)
    if changed < STALE_ROWS or changed < share * estimated:
        return False
    if not session.execute(text(f"SELECT pg_try_advisory_xact_lock({_ANALYSE_LOCK})")).scalar():
        return False  # another process is refreshing them right now
    session.execute(text("ANALYZE object_versions"))
    session.execute(text("ANALYZE observables"))
    return True


def refresh_planner_statistics(session: Any) -> None:
    """Bring the query planner's statistics up to date after a bulk load (commits).

    Right after a large first load PostgreSQL has no statistics for `object_versions`, estimates one row, and
    sorts the whole collection for a first page instead of walking the keyset index; `ANALYZE` fixes that at
    once instead of when autovacuum next passes. Search's tables likewise: without statistics `search_text`
    is thought to hold ten matches of any word, and a word in 100,000 names is first collected whole (0.3 s).
    """
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        for table in ("object_versions", "observables", "search_text", "object_links"):
            session.execute(text(f"ANALYZE {table}"))
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
