"""One commit point per request (issue #15, item 5): `hub.unit_of_work` commits a successful request's writes
once, keeps nothing of a refused one, and lets a failure be kept only through `commit_now(why)`."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, flash, redirect
from flask.typing import ResponseReturnValue
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from hub.errors import InvalidInput
from hub.extensions import db
from hub.orgs.models import Organisation, User
from hub.public import public
from hub.unit_of_work import commit_now, discard_writes
from tests.factories import make_org, make_user


def _names() -> set[str]:
    """The organisations' names as another connection sees them (what was committed)."""
    with db.engine.connect() as connection:
        return set(connection.scalars(select(Organisation.name)))


def _partial_write(name: str) -> None:
    """A service's first step: a row added and flushed (the database has it inside the transaction)."""
    make_org(db.session(), name)
    db.session.flush()


def _database_goes_away(_session: object) -> None:
    raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def probe(app: Flask) -> Flask:
    """Routes whose view writes, then succeeds, fails, shows a refusal or keeps a write on purpose."""
    bp = Blueprint("uow_probe", __name__)

    @bp.get("/succeeds")
    @public
    def succeeds() -> ResponseReturnValue:
        _partial_write("Written by a success")
        return "done"

    @bp.get("/raises")
    @public
    def raises() -> ResponseReturnValue:
        _partial_write("Written before a refusal")
        raise InvalidInput("refused after a partial write")

    @bp.get("/shows-refusal")
    @public
    def shows_refusal() -> ResponseReturnValue:
        try:
            _partial_write("Written before a shown refusal")
            raise InvalidInput("refused after a partial write")
        except InvalidInput as exc:
            discard_writes()
            flash(exc.message, "error")
        return redirect("/")

    @bp.get("/keeps")
    @public
    def keeps() -> ResponseReturnValue:
        _partial_write("Kept despite the refusal")
        commit_now("the test keeps this write although the request then fails")
        _partial_write("Not kept")
        raise InvalidInput("refused after a kept write")

    @bp.get("/commit-fails")
    @public
    def commit_fails() -> ResponseReturnValue:
        make_org(db.session(), "Unique name")
        db.session.flush()
        db.session.add(Organisation(name="Unique name", type="ngo"))  # flushed only by the commit
        return "done"

    @bp.get("/outage-at-commit")
    @public
    def outage_at_commit() -> ResponseReturnValue:
        _partial_write("Written before an outage")
        event.listen(db.session(), "before_commit", _database_goes_away, once=True)
        return "done"

    app.register_blueprint(bp, url_prefix="/uow")
    return app


def test_a_successful_request_is_committed_without_the_view_committing(probe):
    """Failed before: views had to commit by hand, and a write they did not commit was lost."""
    assert probe.test_client().get("/uow/succeeds").status_code == 200
    assert "Written by a success" in _names()


def test_a_domain_error_after_a_partial_write_leaves_nothing(probe):
    response = probe.test_client().get("/uow/raises")
    assert response.status_code == 400
    assert "Written before a refusal" not in _names()


def test_a_refusal_shown_on_a_page_leaves_nothing_even_with_a_redirect(probe):
    response = probe.test_client().get("/uow/shows-refusal")
    assert response.status_code == 302
    assert "Written before a shown refusal" not in _names()


def test_commit_now_keeps_a_write_through_a_failure_and_only_that(probe):
    assert probe.test_client().get("/uow/keeps").status_code == 400
    names = _names()
    assert "Kept despite the refusal" in names and "Not kept" not in names


def test_commit_now_needs_a_reason(app):
    with pytest.raises(ValueError, match="reason"):
        commit_now(" ")


def test_a_failing_commit_is_answered_by_the_error_handlers_and_keeps_nothing(probe, caplog):
    response = probe.test_client().get("/uow/commit-fails")
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text  # the commit failed, not the view
    assert "nothing was changed" in response.get_data(as_text=True)
    assert "Unique name" not in _names()


def test_the_login_failure_counter_persists_though_the_login_is_refused(app, client, session):
    """The refused login answers 401 (no commit at the commit point); the count is kept by `commit_now`."""
    user = make_user(session, make_org(session))
    session.commit()
    response = client.post("/login", data={"email": user.email, "password": "not the password"})
    assert response.status_code == 401
    with db.engine.connect() as connection:
        failures = connection.scalar(select(User.failed_logins).where(User.id == user.id))
    assert failures == 1


def test_a_discarded_request_does_not_spoil_the_next_one(probe):
    """The mark is kept with the request: the tests' app context (and `g`) outlives requests."""
    client = probe.test_client()
    assert client.get("/uow/shows-refusal").status_code == 302
    assert client.get("/uow/succeeds").status_code == 200
    assert "Written by a success" in _names()


def test_an_outage_at_the_commit_point_is_a_503_with_retry_after(probe):
    """The commit runs after the view, yet its failure is answered as if the view had raised it."""
    response = probe.test_client().get("/uow/outage-at-commit")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Written before an outage" not in _names()
