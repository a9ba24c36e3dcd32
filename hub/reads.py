"""A request that only reads runs on one Core connection of its own, outside the ORM's transaction.

A warm TAXII first page or lookup is one statement (the policy version rides on it), yet lending it the ORM
session's connection cost about a quarter of its Python calls on PostgreSQL: a session transaction begun,
a connection checked out and switched to autocommit, then the transaction committed, the connection
switched back and checked in (docs/performance.md, "Session 8"). `lend` checks out one connection that
begins no transaction (`hub.db.NO_BEGIN_OPTION`: each statement runs on its own, no `BEGIN`, no `COMMIT`),
without the pool's ping (`hub.liveness`: the first statement is the check). The request's own statements
run on it directly (`connection`); the ORM session is bound to it for the request (`HubSession`), so what
else the request reads (a token resolved for the first time) and its one write (a token's last use,
committed at once by `hub.unit_of_work.commit_now`) go the same way, as before. `release` checks it in at
the end of the request, whatever happened. Such a request must write nothing else: on this connection each
statement is committed as it runs, and an error answer cannot undo it.

Under PostgreSQL's READ COMMITTED each statement of a transaction takes its own snapshot anyway, and on
SQLite each read takes its snapshot when it starts: the statements see exactly what they saw inside one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session

from hub import driver
from hub.db import NO_BEGIN_OPTION
from hub.liveness import lend_unpinged

T = TypeVar("T")


@dataclass(slots=True)
class _Lent:
    """The connection lent to the request, and whether its first statement is yet to run (`first_read`)."""

    connection: Connection
    unproven: bool


# Per thread, like a request (a gthread worker's threads each serve one request at a time); a context
# variable rather than the request's environ, which is a proxy lookup on every read of it.
_LENT: ContextVar[_Lent | None] = ContextVar("hub_read_connection", default=None)


class HubSession(FlaskSession):
    """Flask-SQLAlchemy's session, bound to the read connection while a request that only reads runs."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        """The lent connection when there is one, else Flask-SQLAlchemy's choice."""
        lent = _LENT.get()
        if lent is not None and bind is None:
            return lent.connection
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def lend(engine: Engine) -> None:
    """Check out the request's read connection from `engine`, unpinged (`first_read` checks it)."""
    _LENT.set(_Lent(_without_begin(lend_unpinged(engine)), unproven=True))


def made(session: scoped_session[Any]) -> Session | None:
    """The request's session if it made one, else None: a warm read makes none, and calling `session()` to
    ask would make it (making and removing one costs about 45 Python calls)."""
    return session() if session.registry.has() else None


def lent() -> bool:
    """Whether the request holds a read connection."""
    return _LENT.get() is not None


def connection(session: Session | scoped_session[Any], flush: bool = False) -> Connection:
    """Where a read runs its Core statement: the read connection when the request has one, else the
    session's own connection (a write, a web page, the CLI), after a flush when `flush` (what
    `session.execute` would do, so that the read sees what the request has added)."""
    lent = _LENT.get()
    if lent is not None:
        return lent.connection
    if flush:
        session.flush()
    return session.connection()


def rows(
    session: Session | scoped_session[Any],
    statement: Any,
    parameters: Mapping[str, Any],
    named: bool = False,
) -> Sequence[Any]:
    """All rows of `statement` (tuples, or `named` tuples). On the read connection `hub.driver` runs a
    statement the caller reuses on the driver's cursor, past SQLAlchemy's execution layer (a sixth of a warm
    read's Python calls), and one built afresh for each request through SQLAlchemy, whose compiled cache
    serves it. Outside a read, inside the session's transaction after a flush, as `connection` gives it
    (where a failed statement could not be run again)."""
    lent = _LENT.get()
    if lent is None:
        return connection(session, flush=True).execute(statement, parameters).all()
    return driver.rows(lent.connection, statement, parameters, named)


def dialect_name(session: Session | scoped_session[Any]) -> str:
    """The name of the database a read runs on (the read connection's, else the session's)."""
    lent = _LENT.get()
    return (lent.connection if lent is not None else session.get_bind()).dialect.name


def first_read(session: Session | scoped_session[Any], read: Callable[[], T]) -> T:
    """Run `read`, the request's first statement; when it finds the lent connection dead, run it again on a
    fresh one (once: a second failure is an outage, answered 503).

    A dead pooled connection (after a PostgreSQL restart) fails its first statement, and SQLAlchemy then
    invalidates it and every connection the pool lent before it. `read` only reads, in autocommit, as the
    first statement of its request: nothing is lost or repeated by running it twice (and a view run again
    checks the policy version again: `hub.policy.version_check`)."""
    lent = _LENT.get()
    if lent is None or not lent.unproven:
        return read()
    lent.unproven = False
    try:
        return read()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    engine = lent.connection.engine
    release(session)
    _LENT.set(_Lent(_without_begin(engine.connect()), unproven=False))  # the pool tests this one
    return read()


def release(session: scoped_session[Any] | Session | None) -> None:
    """End the request's use of its read connection, if it has one: the session lets go of it (a
    transaction it still has there is rolled back: begun after the request's commit point, or by a first
    attempt that found the connection dead) and the connection goes back to the pool."""
    lent = _LENT.get()
    if lent is None:
        return
    _LENT.set(None)
    if isinstance(session, scoped_session):
        session = made(session)
    try:
        if session is not None and session.in_transaction():
            session.rollback()  # nothing in it is the request's answer
    finally:
        lent.connection.close()


def _without_begin(connection: Connection) -> Connection:
    return connection.execution_options(**{NO_BEGIN_OPTION: True})
