"""Logging in and out: passwords, second factor, lockout, sessions that end when they must."""

from __future__ import annotations

import time

import pyotp
import pytest

from hub.accounts.service import DELAY_CAP, FREE_FAILURES
from hub.extensions import db
from tests.factories import PASSWORD, make_org, make_user
from tests.web.conftest import WebActions

LOGIN_ATTEMPTS_PER_MINUTE = 20


@pytest.fixture
def member(session):
    user = make_user(session, make_org(session))
    session.commit()
    return user


def test_member_logs_in_with_password_and_reaches_next(client, web, member):
    response = client.post(
        "/login", data={"email": member.email.upper(), "password": PASSWORD, "next": "/collections"}
    )
    assert response.status_code == 302
    assert response.location == "/collections"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_one_message(client, member):
    response = client.post("/login", data={"email": member.email, "password": "wrong password"})
    unknown = client.post("/login", data={"email": "nobody@nowhere.example", "password": "wrong password"})
    assert response.status_code == unknown.status_code == 401
    assert b"is wrong, or the account is locked" in response.data
    assert client.get("/").status_code == 302


def test_failures_delay_the_account_briefly_even_for_the_right_password(client, session, member):
    for _ in range(FREE_FAILURES + 1):
        client.post("/login", data={"email": member.email, "password": "wrong password"})
    session.refresh(member)
    assert member.login_not_before is not None
    assert member.login_not_before - member.last_failed_login_at <= DELAY_CAP
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 401


def test_login_is_rate_limited(variant, member):
    limited = variant(RATELIMIT_ENABLED=True)
    client = limited.test_client()
    codes = [
        client.post("/login", data={"email": "x@y.example", "password": "nope"}).status_code
        for _ in range(LOGIN_ATTEMPTS_PER_MINUTE + 1)
    ]
    assert codes[-1] == 429 and 429 not in codes[:-1]


def test_user_with_second_factor_needs_the_code(client, session, member):
    member.totp_secret = pyotp.random_base32()
    session.commit()
    first = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert first.location.endswith("/login/code")
    assert client.get("/").status_code == 302  # not logged in yet
    current = pyotp.TOTP(member.totp_secret).now()
    wrong = client.post("/login/code", data={"code": "000000" if current != "000000" else "111111"})
    assert wrong.status_code == 401
    ok = client.post("/login/code", data={"code": pyotp.TOTP(member.totp_secret).now()})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "org-admin"])
def test_coordinators_and_org_admins_must_enrol_on_first_login(client, session, role):
    user = make_user(session, make_org(session, tier="trusted"), role=role)
    session.commit()
    first = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert first.location.endswith("/login/enrol")
    page = client.get("/login/enrol")
    with client.session_transaction() as cookie:
        secret = cookie["pending_login"]["secret"]
    assert secret.encode() in page.data and b"otpauth://totp/" in page.data
    assert client.get("/").status_code == 302
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    session.refresh(user)
    assert user.totp_secret == secret
    assert client.get("/").status_code == 200


def test_coordinator_cannot_turn_the_second_factor_off(client, session, web):
    user = make_user(session, make_org(session, tier="trusted"), role="coordinator")
    user.totp_secret = pyotp.random_base32()
    session.commit()
    web.login(user)
    client.post("/profile/totp/disable", data={"password": PASSWORD})
    session.refresh(user)
    assert user.totp_secret is not None


def test_member_turns_the_second_factor_on_and_off(client, session, web, member):
    web.login(member)
    client.post("/profile/totp/start")
    with client.session_transaction() as cookie:
        secret = cookie["enrol_secret"]
    assert secret.encode() in client.get("/profile").data
    client.post("/profile/totp/confirm", data={"code": pyotp.TOTP(secret).now()})
    session.refresh(member)
    assert member.totp_secret == secret
    assert client.get("/profile").status_code == 200  # the session survived its own change
    client.post("/profile/totp/disable", data={"password": PASSWORD})
    session.refresh(member)
    assert member.totp_secret is None


def test_deactivation_ends_existing_sessions(client, session, web, member):
    web.login(member)
    assert client.get("/").status_code == 200
    member.is_active = False
    session.commit()
    db.session.expire_all()
    assert client.get("/").status_code == 302


def test_password_change_ends_other_sessions(app, session, web, member):
    other = app.test_client()
    web.login(member)
    type(web)(other).login(member)
    response = web.client.post(
        "/profile/password",
        data={"current": PASSWORD, "new": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert web.client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_logout_needs_post_and_ends_the_session(client, web, member):
    web.login(member)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_login_records_the_previous_visit(client, session, web, member):
    web.login(member)
    session.refresh(member)
    first_seen = member.last_seen_at
    client.post("/logout")
    web.login(member)
    with client.session_transaction() as cookie:
        assert cookie["since"] == first_seen.isoformat()


def test_a_second_factor_code_works_only_once(app, session, member):
    member.totp_secret = pyotp.random_base32()
    session.commit()
    code = pyotp.TOTP(member.totp_secret).now()
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert first.post("/login/code", data={"code": code}).status_code == 302
    assert second.post("/login/code", data={"code": code}).status_code == 401
    assert second.get("/").status_code == 302


def test_login_rate_limit_is_configurable(variant):
    client = variant(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute").test_client()
    attempt = {"email": "x@y.example", "password": "nope"}
    codes = [client.post("/login", data=attempt).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_sessions_expire_after_their_lifetime(variant, session, member):
    client = variant(PERMANENT_SESSION_LIFETIME=1).test_client()
    WebActions(client).login(member)
    assert client.get("/").status_code == 200
    time.sleep(2.1)
    assert client.get("/").status_code == 302


def test_sessions_last_twelve_hours_by_default(app):
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600
