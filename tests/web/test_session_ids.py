"""The steps of logging in that come before any Principal load their user through
`hub.accounts.service.active_user` (issue #15 item 4): a forged session id is an anonymous visitor, never a
query the database refuses."""

from __future__ import annotations

import pytest

from hub.accounts.service import active_user
from tests.factories import make_org, make_user


@pytest.mark.parametrize("forged", ["9" * 25 + ":abc", "0:abc", "-1:abc", "x:abc"])
def test_a_forged_session_user_id_is_an_anonymous_visitor(client, forged):
    """Failed before for 25 digits: the id reached the database, which cannot hold it (500)."""
    with client.session_transaction() as web_session:
        web_session["_user_id"] = forged
        web_session["_fresh"] = True
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_active_user_is_none_for_anything_but_an_active_account(session):
    user = make_user(session, make_org(session))
    session.commit()
    assert active_user(session, user.id) is user
    assert [active_user(session, bad) for bad in (None, "1", True, 0, 2**63, user.id + 1000)] == [None] * 6
    user.is_active = False
    assert active_user(session, user.id) is None
