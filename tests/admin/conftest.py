"""Fixtures for the admin pages: one organisation per role, and clients already logged in as each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub.orgs.models import Organisation, User
from hub.web.auth import SessionUser
from tests.admin.builders import user
from tests.factories import make_org


def log_in(app: Flask, account: User | None) -> FlaskClient:
    """A client whose session belongs to `account` (the login pages themselves are tested in tests/web)."""
    client = app.test_client()
    if account is not None:
        with client.session_transaction() as web_session:
            web_session["_user_id"] = SessionUser(account).get_id()
            web_session["_fresh"] = True
    return client


@pytest.fixture
def people(session) -> dict[str, User | Organisation]:
    """Org A (vetted) with a member and an admin, org B with an admin, and a coordinator."""
    org_a, org_b = make_org(session, "Org A"), make_org(session, "Org B")
    coordination = make_org(session, "Coordination", "trusted", "coordinator")
    found: dict[str, User | Organisation] = {
        "org_a": org_a,
        "org_b": org_b,
        "member": user(session, org_a),
        "admin_a": user(session, org_a, "org-admin"),
        "admin_b": user(session, org_b, "org-admin"),
        "coordinator": user(session, coordination, "coordinator"),
    }
    session.commit()
    return found


@pytest.fixture
def as_role(app, people) -> Callable[[str | None], FlaskClient]:
    """`as_role("coordinator")` is a client logged in as that person; `as_role(None)` is anonymous."""

    def client_for(role: str | None) -> FlaskClient:
        account = people[role] if role else None
        assert account is None or isinstance(account, User)
        return log_in(app, account)

    return client_for
