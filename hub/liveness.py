"""A read-only request's first statement is its connection's liveness check, instead of the pool's ping.

The pool tests a pooled connection before lending it (`pool_pre_ping`, `hub.config`): after a PostgreSQL
restart every worker's pool holds dead connections, and without the test the first request on each of them
would fail. The test is a `SELECT 1`, a round trip of its own: on PostgreSQL a third of a TAXII first page's
round trips (the ping, the policy version, the page).

A GET on TAXII or the API (`hub.unit_of_work.reads_only`) takes its connection with `lend_unpinged`, which
skips the ping, and its first statement — the policy version, read before anything else by
`hub.policy.credentials.credentials_for`, or for a view that reads the version with its own statement
(`hub.policy.version_check.run_checked`) the whole view — runs through `first_read`: when the connection
turns out dead, SQLAlchemy has invalidated it and every connection the pool lent before it, so the read is
run again, once, on a fresh connection, which the pool does test. It only reads, in autocommit, as the
first of its request: nothing is lost or repeated by running it twice (and a view run again checks the
policy version again). Every other checkout (writes, web
pages, the CLI) is tested by the pool as before; an operator who turned `pool_pre_ping` off gets no test on
either path, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session

T = TypeVar("T")

_SKIP_PING: ContextVar[bool] = ContextVar("hub_skip_ping", default=False)
# session.info: the connection lent without a ping, and the execution options to take a fresh one with.
_LENT = "hub.lent_unpinged"


def skippable_ping(engine: Engine) -> None:
    """Let `lend_unpinged` skip the pool's ping on `engine`; every other checkout is pinged as before.

    The pool calls `dialect.do_ping` on checkout when `pool_pre_ping` is on; SQLAlchemy has no per-checkout
    switch for it, so the engine's dialect gets a `do_ping` that consults a context variable (per thread, so
    one gthread worker's threads do not see each other's)."""
    dialect = engine.dialect
    ping = dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        return _SKIP_PING.get() or ping(dbapi_connection)

    dialect.do_ping = do_ping  # type: ignore[method-assign]


def lend_unpinged(session: Session, options: Mapping[str, Any]) -> None:
    """Check out `session`'s connection with these execution options, without the pool's ping: the next
    `first_read` on this connection is the check instead."""
    token = _SKIP_PING.set(True)
    try:
        connection = session.connection(execution_options=dict(options))
    finally:
        _SKIP_PING.reset(token)
    session.info[_LENT] = (connection, dict(options))


def first_read(session: Session | scoped_session[Session], read: Callable[[], T]) -> T:
    """Run `read`, a request's first statement; on a connection `lend_unpinged` lent, run it again on a
    fresh connection if it found that one dead (once: a second failure is an outage, answered 503)."""
    lent = session.info.pop(_LENT, None)
    if lent is None or lent[0] is not session.connection():
        return read()
    try:
        return read()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    session.rollback()
    session.connection(execution_options=lent[1])
    return read()
