"""Rate-limit counters shared by every worker and instance: a `limits` storage on the hub's own database.

Flask-Limiter's default `memory://` storage counts per process, so with N gunicorn workers every limit is
really N times the documented one (25 reports from one address got 18 through a limit of 10 an hour with
two workers). The hub therefore counts in its database by default (`hub-database://`, this module), which
every worker and instance already share on SQLite and PostgreSQL alike; `HUB_RATELIMIT_STORAGE_URI` may name
Redis instead (`redis://host:6379`, with the `redis` package installed). `hub serve` refuses `memory://`
with more than one worker.

Keys never hold a client address: every limit keys on `keyed_client_address`, a keyed hash that rotates
daily, and rows are deleted as soon as their window ends.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter._compat import request_context
from limits.storage import Storage
from sqlalchemy import Float, Integer, String, Table, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base
from hub.public import is_token_surface_request

DATABASE_STORAGE_URI = "hub-database://"
PER_PROCESS_SCHEMES = ("memory://",)


class RateLimitCounter(Base):
    """One fixed-window counter: `count` hits of `key` until `expires_at` (seconds since the epoch)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)


def keyed_client_address() -> str:
    """The rate-limit key of the client: HMAC(secret key, today's date + address). Never stored as the
    address, never logged; it rotates daily, so yesterday's counters cannot be linked to today's."""
    day = datetime.now(UTC).date().isoformat()
    message = f"{day}|{request.remote_addr or ''}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def shares_counters(storage_uri: str) -> bool:
    """False for storages that count inside one process (and so cannot hold a limit across workers)."""
    return not storage_uri.startswith(PER_PROCESS_SCHEMES)


_COUNTERS = cast(Table, RateLimitCounter.__table__)


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limit_counters` table, one short transaction per hit.

    The increment is one atomic upsert (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, on SQLite ≥ 3.35 and
    PostgreSQL), so concurrent workers never lose a hit; an expired window restarts inside the same statement.
    """

    STORAGE_SCHEME = ["hub-database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def _engine() -> Engine:
        from hub.extensions import db

        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` hits of `key`; a new or expired window starts now and lasts `expiry` seconds."""
        now = time.time()
        with self._engine().begin() as connection:
            count = connection.execute(_upsert(connection, key, now, expiry, amount)).scalar_one()
        self._purge(now)
        return int(count)

    def _purge(self, now: float) -> None:
        """Drop ended windows (housekeeping in its own transaction: a lost race only delays it)."""
        try:
            with self._engine().begin() as connection:
                connection.execute(delete(_COUNTERS).where(_COUNTERS.c.expires_at <= now))
        except SQLAlchemyError:
            return

    def get(self, key: str) -> int:
        with self._engine().connect() as connection:
            count = connection.scalar(
                select(_COUNTERS.c.count).where(_COUNTERS.c.key == key, _COUNTERS.c.expires_at > time.time())
            )
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self._engine().connect() as connection:
            expires = connection.scalar(select(_COUNTERS.c.expires_at).where(_COUNTERS.c.key == key))
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.scalar(select(func.count()).select_from(_COUNTERS))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return int(connection.execute(delete(_COUNTERS)).rowcount)

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(_COUNTERS).where(_COUNTERS.c.key == key))


def _upsert(connection: Connection, key: str, now: float, expiry: int, amount: int) -> Any:
    """The atomic "add `amount` in the current window, or start a new one" statement for this dialect."""
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(_COUNTERS).values(key=key, count=amount, expires_at=now + expiry)
    ended = _COUNTERS.c.expires_at <= now
    return statement.on_conflict_do_update(
        index_elements=[_COUNTERS.c.key],
        set_={
            "count": case((ended, amount), else_=_COUNTERS.c.count + amount),
            "expires_at": case((ended, now + expiry), else_=_COUNTERS.c.expires_at),
        },
    ).returning(_COUNTERS.c.count)


def skip_middleware_on_token_surfaces(app: Flask, limiter: Limiter) -> None:
    """Leave TAXII and API requests out of Flask-Limiter's before-request check.

    That check applies only the default, application and blueprint limits; a view's own `@limiter.limit`
    is checked by the decorator, inside the view, and keeps holding on every surface. The hub sets none of
    the former, and the check still cost 0.3 ms of each TAXII page (resolving and evaluating an empty list,
    docs/performance.md). So when no default, application or meta limit is configured, the check runs for web
    requests only. `tests/test_ratelimits.py` shows that a limit declared on a token-surface view still holds.
    """
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or app.config.get("RATELIMIT_META"):
        return  # a limit meant for every request: keep the check everywhere
    hooks = app.before_request_funcs.setdefault(None, [])
    if limiter._check_request_limit not in hooks:
        return  # rate limiting is off (RATELIMIT_ENABLED=false): Flask-Limiter installed no check
    position = hooks.index(limiter._check_request_limit)

    def check_web_requests() -> None:
        if not is_token_surface_request():
            limiter._check_request_limit()

    hooks[position] = check_web_requests


# Where Flask-Limiter keeps a request's limiter state; it creates it on first use (`Limiter.context`).
_LIMITER_STATE = "_limiter_request_context"


def skip_idle_hooks(app: Flask, limiter: Limiter) -> None:
    """Run Flask-Limiter's after-request and teardown hooks only for a request that used a limit.

    The after-request hook deducts conditional costs and adds the limit headers of the limits this request
    was checked against; the teardown resets that record. A request no limit looked at has no record (on a
    token surface without a limited view, every TAXII page and lookup), so both found nothing to do, after
    creating the record only to reset it: about 60 of a first page's Python calls. A request that a view's
    `@limiter.limit` or the before-request check looked at keeps both hooks as they were.
    """
    inject = _hook(
        app.after_request_funcs.get(None, []), lambda hook: getattr(hook, "args", ()) == (limiter,)
    )
    release = _hook(
        app.teardown_request_funcs.get(None, []),
        lambda hook: getattr(hook, "__self__", None) is limiter,
    )
    if inject is None or release is None:
        return  # not Flask-Limiter's hooks as this module knows them: leave everything as it is
    hooks, position = inject
    after = hooks[position]

    def inject_headers(response: Any) -> Any:
        return after(response) if hasattr(request_context(), _LIMITER_STATE) else response

    hooks[position] = inject_headers
    hooks, position = release
    teardown = hooks[position]

    def release_context(error: BaseException | None = None) -> None:
        if hasattr(request_context(), _LIMITER_STATE):
            teardown(error)

    hooks[position] = release_context


def _hook(hooks: list[Any], is_limiters: Callable[[Any], bool]) -> tuple[list[Any], int] | None:
    """The list and position of the one hook `is_limiters` recognises, or None."""
    found = [position for position, hook in enumerate(hooks) if is_limiters(hook)]
    return (hooks, found[0]) if len(found) == 1 else None
