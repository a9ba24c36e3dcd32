"""A stranger cannot keep an owner out by keeping the login delay running (issue 10, finding 7, second look).

The delays that replaced the lockout refuse every attempt while they run, the right password too. One wrong
password each time a delay ends (two requests a minute, from anywhere) keeps the account refused for ever: the
lockout again, on a 30 s rhythm. The owner's browser, known from an earlier complete sign-in, is not held by
the delays strangers cause (OWASP's "device cookie"); the delays still slow every other client's guessing.
"""

from __future__ import annotations

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from hub.accounts import service as accounts
from hub.orgs.models import User
from hub.orgs.service import set_password
from tests.factories import PASSWORD, make_org, make_user
from tests.web.conftest import WebActions


def _keep_delayed(stranger: FlaskClient, session, user: User) -> None:  # type: ignore[no-untyped-def]
    for _ in range(accounts.FREE_FAILURES + 1):
        stranger.post("/login", data={"email": user.email, "password": "a wrong guess"})
    session.refresh(user)
    assert accounts.is_delayed(user)


def test_the_owners_known_browser_gets_in_while_a_stranger_keeps_the_delay_running(
    app: Flask, session
) -> None:  # type: ignore[no-untyped-def]
    member = make_user(session, make_org(session))
    session.commit()
    owner, stranger = app.test_client(), app.test_client()
    assert WebActions(owner).login(member).status_code == 302
    owner.post("/logout")
    _keep_delayed(stranger, session, member)
    refused = stranger.post("/login", data={"email": member.email, "password": PASSWORD})
    assert refused.status_code == 401  # anyone else, right password or not, waits out the delay
    response = WebActions(owner).login(member)
    assert response.status_code == 302 and "/login" not in response.location


def test_the_known_browser_passes_the_second_factor_during_the_delay(app: Flask, session) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(session, make_org(session), role="org-admin")
    admin.totp_secret = pyotp.random_base32()
    session.commit()
    owner, stranger = app.test_client(), app.test_client()
    assert "/login/code" not in WebActions(owner).login(admin).location
    owner.post("/logout")
    session.refresh(admin)
    admin.totp_last_step = None  # the same code may be typed again in this test's 30 s step
    session.commit()
    _keep_delayed(stranger, session, admin)
    response = WebActions(owner).login(admin)
    assert response.status_code == 302 and "/login" not in response.location


def test_a_known_browser_helps_only_its_own_user_and_not_after_a_password_change(app: Flask, session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    member, other = make_user(session, org), make_user(session, org)
    session.commit()
    browser, stranger = app.test_client(), app.test_client()
    assert WebActions(browser).login(member).status_code == 302
    browser.post("/logout")
    _keep_delayed(stranger, session, other)
    assert WebActions(browser).login(other).status_code == 401  # known for `member`, not for `other`
    set_password(member, "a brand new password 42")
    session.commit()
    _keep_delayed(stranger, session, member)
    assert WebActions(browser).login(member, "a brand new password 42").status_code == 401
