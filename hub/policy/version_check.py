"""A cached principal served before its policy version is read: the version rides on the request's statement.

A GET on TAXII or the API read the policy version (`hub.policy.version`) before anything else, to know
whether the principal cached for its token (`hub.policy.principal_cache`) still holds: on PostgreSQL a round
trip of its own, half of a first page's. The views marked `deferrable` instead start with the cached
principal *unchecked* (`defer`), and the statement that reads their rows carries the version as a column,
read in the same snapshot as the rows (`hub.stix.query.list_columns`, `hub.api.service.lookup`); `check`
compares it with the version the principal was resolved at before anything read with it is used.

The principal is used before it is known to be current, so no way out of such a view may skip the check.
`run_checked` runs the view and, on every exit that the statement did not check (an empty lookup, a 400
for a bad filter or `next` token, a 404, a refusal, any error), reads the version on its own before the
answer leaves. When the version moved (`PolicyMoved`, or that read), whatever the view produced is thrown
away, the principal is resolved afresh (a revoked token then gets its 401, a suspended organisation its
403) and the view runs again with it. A later read is never weaker than the read before the view it
replaces: the version only moves forward, so finding it unchanged afterwards means it did not move while
the view ran.

The view's first statement is also its connection's liveness check (`hub.reads.first_read`): a GET
only reads, so on a dead pooled connection the whole view runs again on a fresh one. That run is a new
one, later, perhaps after a policy change: it checks the version again, whatever the failed run had
checked (a connection can die after the statement that checked it, before the view ends).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, request
from sqlalchemy.orm import Session, scoped_session

from hub.errors import DATABASE_OUTAGES
from hub.policy import version
from hub.reads import first_read

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_KEY = "hub.policy.unchecked"
_DEFERRABLE = "hub_policy_deferrable"


class PolicyMoved(Exception):  # noqa: N818  (a signal between `check` and `run_checked`, not an error)
    """The policy version moved since the request's cached principal was resolved."""


@dataclass(slots=True)
class _Unchecked:
    """The version the request's principal was resolved at, and whether a statement has confirmed it."""

    version: int
    checked: bool = False


def deferrable(view: F) -> F:
    """Mark `view` as one that checks the policy version itself (it calls `check` with what its statement
    read, or leaves it to `run_checked`). Only such a view may start with an unchecked principal."""
    setattr(view, _DEFERRABLE, True)
    return view


def request_may_defer() -> bool:
    """True when this request may start with an unchecked cached principal: a GET (a write always reads the
    version first) whose view is marked `deferrable`."""
    view = current_app.view_functions.get(request.endpoint or "")
    return request.method == "GET" and bool(getattr(view, _DEFERRABLE, False))


def defer(resolved_at: int) -> None:
    """This request uses a cached principal resolved at policy version `resolved_at`, not yet checked."""
    request.environ[_KEY] = _Unchecked(resolved_at)


def unchecked() -> bool:
    """True while this request's principal has not been checked against the current policy version: its
    statement must then carry the version (and the caller pass it to `check`)."""
    pending: _Unchecked | None = request.environ.get(_KEY)
    return pending is not None and not pending.checked


def check(current: int | None) -> None:
    """Compare the version a statement read with the one the principal was resolved at.

    :raises PolicyMoved: they differ (the caller's rows must not be used: `run_checked` starts again)."""
    pending: _Unchecked | None = request.environ.get(_KEY)
    if pending is None:
        return
    if current != pending.version:
        raise PolicyMoved()
    pending.checked = True


def checked_views(
    session: scoped_session[Any], reauthenticate: Callable[[], object]
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A decorator for a surface's views: each becomes `deferrable`, and runs under `run_checked` with the
    surface's own session and authentication (which resolves the principal afresh after a change)."""

    def checked_view(view: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(view)
        def checked(**kwargs: Any) -> T:
            return run_checked(session, lambda: view(**kwargs), reauthenticate)

        return deferrable(checked)

    return checked_view


def run_checked(
    session: Session | scoped_session[Session], view: Callable[[], T], reauthenticate: Callable[[], object]
) -> T:
    """Run `view`; when its principal was unchecked, answer only once the version is known to be the one
    the principal was resolved at, else resolve it afresh with `reauthenticate` and run `view` again."""
    pending: _Unchecked | None = request.environ.get(_KEY)
    if pending is None:
        return view()

    def attempt() -> T:
        # A run on a fresh connection (`first_read`, after a dead one) comes later than the run before it,
        # maybe after a policy change: that run's check does not hold for it, its statement checks again.
        pending.checked = False
        return view()

    try:
        result = first_read(session, attempt)
    except PolicyMoved:
        pass
    except DATABASE_OUTAGES:
        raise
    except Exception:
        if _current(session, pending):
            raise
    else:
        if _current(session, pending):
            return result
    del request.environ[_KEY]
    reauthenticate()
    return view()


def _current(session: Session | scoped_session[Session], pending: _Unchecked) -> bool:
    """Whether the principal still holds: checked by the view's statement, else by reading the version."""
    return pending.checked or version.current(session) == pending.version
