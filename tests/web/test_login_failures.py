"""Login failures (issue 10, findings 6 and 7): constant work whatever the account's state, no lockout a
stranger can trigger — short progressive delays instead — and the owner sees the failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher

from hub.accounts import service as accounts
from hub.db import utcnow
from hub.orgs import passwords
from tests.factories import PASSWORD, make_org, make_user


class CountingHasher(PasswordHasher):
    """Argon2 at minimal cost that counts what it is asked to do."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0
        self.hashes = 0

    def verify(self, hash: Any, password: Any) -> bool:  # noqa: A002 (argon2's own parameter name)
        self.verifications += 1
        return super().verify(hash, password)

    def hash(self, password: Any, *, salt: bytes | None = None) -> str:
        self.hashes += 1
        return super().hash(password, salt=salt)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


@pytest.fixture
def member(session):  # type: ignore[no-untyped-def]
    user = make_user(session, make_org(session))
    session.commit()
    return user


def _work(hasher: CountingHasher, session, email: str, password: str) -> tuple[int, int, bool]:  # type: ignore[no-untyped-def]
    """(argon2 verifications, argon2 hashes, accepted) of one password check."""
    hasher.verifications = hasher.hashes = 0
    try:
        accounts.authenticate(session, email, password)
        accepted = True
    except accounts.LoginRefused:
        accepted = False
    session.commit()
    return hasher.verifications, hasher.hashes, accepted


def test_every_account_state_costs_exactly_one_argon2_verification(session, member, hasher):  # type: ignore[no-untyped-def]
    """Finding 6: an unknown email hashed instead of verifying, a locked account did no argon2 work at all —
    the answer's timing told members from strangers. Now each state does the same single verification."""
    inactive = make_user(session, member.org)
    inactive.is_active = False
    session.commit()
    passwords.verify_password(None, PASSWORD)  # the dummy hash is made once per process, not per request
    states = {
        "unknown email": ("nobody@nowhere.example", PASSWORD),
        "wrong password": (member.email, "wrong password"),
        "deactivated": (inactive.email, PASSWORD),
        "right password": (member.email, PASSWORD),
    }
    work = {state: _work(hasher, session, *attempt) for state, attempt in states.items()}
    for _ in range(accounts.FREE_FAILURES + 1):
        _work(hasher, session, member.email, "wrong password")
    session.refresh(member)
    assert member.login_not_before is not None and member.login_not_before > utcnow()
    work["delayed, right password"] = _work(hasher, session, member.email, PASSWORD)
    work["delayed, wrong password"] = _work(hasher, session, member.email, "wrong password")
    assert {state: done[:2] for state, done in work.items()} == dict.fromkeys(work, (1, 0))
    assert [state for state, done in work.items() if done[2]] == ["right password"]


def _attempt(session, email: str, password: str, now) -> bool:  # type: ignore[no-untyped-def]
    try:
        accounts.authenticate(session, email, password, now=now)
    except accounts.LoginRefused as refused:
        assert refused.message == accounts.REFUSED  # one message, whatever the reason
        session.commit()
        return False
    session.commit()
    return True


def test_a_stranger_cannot_lock_the_owner_out(session, member):  # type: ignore[no-untyped-def]
    """Finding 7: five wrong passwords locked the account for 15 minutes, again and again. Now every failure
    beyond the free ones sets a delay that doubles but never exceeds CAP; the owner's right password after it
    is accepted, however many failures came before."""
    now = utcnow()
    for _ in range(200):  # a stranger hammering, each attempt as soon as the delay allows
        _attempt(session, member.email, "wrong password", now)
        session.refresh(member)
        if member.login_not_before is not None:
            assert member.login_not_before - now <= accounts.DELAY_CAP
            now = max(now, member.login_not_before)
    assert member.failed_logins == 200
    assert not _attempt(session, member.email, PASSWORD, now - timedelta(seconds=1))  # inside the delay
    assert _attempt(session, member.email, PASSWORD, now + timedelta(seconds=1))


def test_delays_grow_from_one_second_to_the_cap(session, member):  # type: ignore[no-untyped-def]
    now = utcnow()
    delays = []
    for _ in range(accounts.FREE_FAILURES + 8):
        _attempt(session, member.email, "wrong password", now)
        session.refresh(member)
        delay = (member.login_not_before - now) if member.login_not_before else timedelta(0)
        delays.append(max(delay, timedelta(0)).total_seconds())
        now = max(now, member.login_not_before or now)
    assert delays[: accounts.FREE_FAILURES] == [0] * accounts.FREE_FAILURES
    grown = delays[accounts.FREE_FAILURES :]
    assert grown[:5] == [1, 2, 4, 8, 16] and set(grown[5:]) == {accounts.DELAY_CAP.total_seconds()}


def test_attempts_during_a_delay_are_refused_but_do_not_extend_it(session, member):  # type: ignore[no-untyped-def]
    now = utcnow()
    for _ in range(accounts.FREE_FAILURES + 3):
        _attempt(session, member.email, "wrong password", now)
        session.refresh(member)
        now = max(now, member.login_not_before or now)
    session.refresh(member)
    not_before = member.login_not_before
    for _ in range(20):
        assert not _attempt(session, member.email, "wrong password", not_before - timedelta(milliseconds=10))
    session.refresh(member)
    assert member.login_not_before == not_before and member.failed_logins == accounts.FREE_FAILURES + 23


def test_the_owner_sees_the_failures_since_the_last_login(client, session, member):  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert client.post("/login", data={"email": member.email, "password": "wrong"}).status_code == 401
    login = client.post("/login", data={"email": member.email, "password": PASSWORD}, follow_redirects=True)
    assert "Failed sign-in attempts since your last sign-in: 3" in login.get_data(as_text=True)
    profile = client.get("/profile").get_data(as_text=True)
    assert "Failed sign-in attempts since your last sign-in: 3" in profile
    assert utcnow().strftime("%Y-%m-%d") in profile  # when the last one happened
    client.post("/logout")
    again = client.post("/login", data={"email": member.email, "password": PASSWORD}, follow_redirects=True)
    assert "Failed sign-in attempts" not in again.get_data(as_text=True)
    assert "Failed sign-in attempts" not in client.get("/profile").get_data(as_text=True)
