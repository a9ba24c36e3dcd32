"""One commit point per request: the request's writes are kept together or not at all.

Services only add and flush; views do not commit. `create_app` installs `finish_request`, which runs after
the view has answered: a response under 400 commits the request's writes once; an error response (a domain
error the error handlers rendered, a crash, a form sent back with its errors) rolls them back. The CLI does
the same per command (`hub/cli_support.py`); indico does it per request handler.

A view has two named ways out of the rule, so nobody needs `db.session.commit()` or `.rollback()` by hand:

- `discard_writes()`: the view caught a domain error to show it on a page (a flash and a redirect, or the form
  again). The request's writes are undone at once, so that page shows the database as it was, and the request
  commits nothing afterwards, whatever its status.
- `commit_now(why)`: a write that must outlive the request failing — a failed login's counter, which drives
  the progressive delays, or a token's last use — is committed at once. `why` says why, beside the call.

A request that only reads (a GET on TAXII or the API) says so with `reads_only()` before its first statement:
it then runs without a transaction, and the commit point has nothing to commit.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from sqlalchemy.exc import OperationalError

from hub.errors import DATABASE_OUTAGES
from hub.extensions import db
from hub.reads import lend, lent, made, release

# Kept with the request, not in `g`: an app context (and so `g`) may outlive one request, as in tests.
_DISCARDED = "hub.writes_discarded"


def install(app: Flask) -> None:
    """Make `finish_request` the request's commit point.

    Installed after every other `after_request` function of the app, so it runs first among them (Flask runs
    them in reverse) and the others (security headers...) still see the error response when the commit fails.
    """
    app.after_request(finish_request)
    app.teardown_request(_release_read_connection)


def finish_request(response: Response) -> Response:
    """Commit the request's writes when it succeeded (status under 400 and nothing discarded); else undo them.

    A commit that fails (the database went away, a constraint caught a race) becomes the response of its
    error handler — 503 with Retry-After for an outage — exactly as if the view had raised it. A request
    whose session began no transaction (a warm read runs on its read connection alone, `hub.reads`, and
    makes no session at all) has nothing to end.
    """
    session = made(db.session)
    if session is None or not session.in_transaction():
        return response
    if response.status_code >= 400 or request.environ.get(_DISCARDED, False):
        try:
            session.rollback()
        except DATABASE_OUTAGES:  # the connection is gone (a 503 is being answered); the pool drops it
            pass
        return response
    try:
        session.commit()
    except Exception as exc:  # noqa: BLE001  (handed to the app's error handlers, which roll back and log)
        return current_app.make_response(current_app.handle_user_exception(exc))
    return response


def reads_only() -> None:
    """Run this request on a connection of its own that begins no transaction (`hub.reads`): no `BEGIN`
    before the first statement and no `COMMIT` after the last, on PostgreSQL two of a TAXII first page's
    four round trips; on SQLite, a statement and a library call. The only write such a request makes is a
    token's last use, one `UPDATE` that `commit_now` commits at once in either mode. Call it before the
    request's first statement (it does nothing once a transaction has begun).

    The connection is lent without the pool's ping (`hub.liveness`): the request's first statement, the
    policy version, is the check instead, one round trip fewer on PostgreSQL.
    """
    if lent():
        return
    session = made(db.session)
    if session is not None and session.in_transaction():
        return
    lend(db.engine)


def _release_read_connection(_error: BaseException | None) -> None:
    """Check the request's read connection in, if it had one (after the commit point, whatever happened)."""
    release(db.session)


def discard_writes() -> None:
    """Undo the request's writes now; the request commits nothing more (a domain error is being shown)."""
    db.session.rollback()
    request.environ[_DISCARDED] = True


def commit_now(why: str, *, best_effort: bool = False) -> None:
    """Commit the request's writes so far, because they must be kept even if the request then fails.

    :param why: the reason, stated where the call is read (and logged at debug level).
    :param best_effort: when the database cannot take the write at this moment (SQLite cannot turn an older
        read snapshot into a write once another writer has committed), give the write up instead of failing
        the request. Only for bookkeeping the next request notes again, such as a token's last use.
    """
    if not why.strip():
        raise ValueError("commit_now needs a reason")
    try:
        db.session.commit()
    except OperationalError:
        if not best_effort:
            raise
        db.session.rollback()
        return
    current_app.logger.debug("committed before the end of the request: %s", why)
