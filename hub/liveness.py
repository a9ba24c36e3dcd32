"""A read-only request's first statement is its connection's liveness check, instead of the pool's ping.

The pool tests a pooled connection before lending it (`pool_pre_ping`, `hub.config`): after a PostgreSQL
restart every worker's pool holds dead connections, and without the test the first request on each of them
would fail. The test is a `SELECT 1`, a round trip of its own: on PostgreSQL a third of a TAXII first page's
round trips (the ping, the policy version, the page).

A GET on TAXII or the API (`hub.unit_of_work.reads_only`) takes its connection with `lend_unpinged`, which
skips the ping, and its first statement — the policy version, read before anything else by
`hub.policy.credentials.credentials_for`, or for a view that reads the version with its own statement
(`hub.policy.version_check.run_checked`) the whole view — runs through `hub.reads.first_read`, which runs
it again, once, on a fresh connection (one the pool does test) when it found the lent one dead. Every other
checkout (writes, web pages, the CLI) is tested by the pool as before; an operator who turned
`pool_pre_ping` off gets no test on either path, as before.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy.engine import Connection, Engine

_SKIP_PING: ContextVar[bool] = ContextVar("hub_skip_ping", default=False)


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


def lend_unpinged(engine: Engine) -> Connection:
    """A connection from `engine`'s pool, checked out without the pool's ping: the caller's first
    statement must be the check (`hub.reads.first_read`)."""
    token = _SKIP_PING.set(True)
    try:
        return engine.connect()
    finally:
        _SKIP_PING.reset(token)
