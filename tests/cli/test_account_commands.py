"""`hub user reset-2fa | deactivate | activate | move`: each is audited, and a deactivated or moved user's API
tokens and web sessions stop working at the very next request."""

from __future__ import annotations

import json

import pyotp
import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cli import main
from hub.orgs.models import User
from hub.orgs.tokens import issue_token
from tests.admin.conftest import log_in
from tests.factories import make_collection, make_org, make_user

TAXII = {"Accept": "application/taxii+json;version=2.1"}


@pytest.fixture
def hub(runner, session):
    def run(*args: str):
        result = runner.invoke(main, list(args))
        session.rollback()
        return result

    return run


@pytest.fixture
def world(session):
    watch = make_org(session, "Rights Watch", tier="trusted")
    make_org(session, "Helpline", tier="registered")
    analyst = make_user(session, watch, role="org-admin", email="analyst@watch.example")
    analyst.totp_secret = pyotp.random_base32()
    channel = make_collection(
        session, read=["org:Rights Watch"], write=["org:Rights Watch"], title="Watch only"
    )
    secret = issue_token(session, None, analyst, "poller").secret
    session.commit()
    return {"analyst": analyst, "channel": channel, "secret": secret}


def _taxii(client, secret: str, channel) -> int:
    headers = {**TAXII, "Authorization": f"Bearer {secret}"}
    return client.get(f"/taxii2/api/collections/{channel.id}/objects/", headers=headers).status_code


def _audited(session, action: str, user: User) -> dict:
    entry = session.scalar(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.target_id == str(user.id))
    )
    assert entry is not None and entry.actor_user_id is None, action
    return json.loads(entry.details)


def test_deactivate_stops_tokens_and_sessions_at_once_and_activate_restores(app, hub, client, session, world):
    analyst, channel, secret = world["analyst"], world["channel"], world["secret"]
    browser = log_in(app, analyst)
    assert browser.get("/connect").status_code == 200 and _taxii(client, secret, channel) == 200

    done = hub("user", "deactivate", "Analyst@Watch.example")
    assert done.exit_code == 0 and "deactivated" in done.stdout
    assert _taxii(client, secret, channel) == 401
    assert browser.get("/connect").status_code == 302  # the session is over: back to the login page
    _audited(session, "user.deactivate", analyst)

    assert hub("user", "activate", analyst.email).exit_code == 0
    assert _taxii(client, secret, channel) == 200
    _audited(session, "user.activate", analyst)


def test_move_revokes_tokens_ends_sessions_and_makes_a_plain_member(app, hub, client, session, world):
    analyst, channel, secret = world["analyst"], world["channel"], world["secret"]
    browser = log_in(app, analyst)
    moved = hub("user", "move", analyst.email, "--org", "Helpline")
    assert moved.exit_code == 0 and "Helpline" in moved.stdout
    assert _taxii(client, secret, channel) == 401  # the token was made under the old organisation's reach
    assert browser.get("/connect").status_code == 302
    session.refresh(analyst)
    assert analyst.org.name == "Helpline" and analyst.role == "member"
    details = _audited(session, "user.move", analyst)
    assert details["to_org_id"] == analyst.org_id and details["from_org_id"] != analyst.org_id
    again = hub("user", "move", analyst.email, "--org", "Helpline")
    assert again.exit_code == 1 and "already in Helpline" in again.stderr
    unknown = hub("user", "move", analyst.email, "--org", "Nowhere")
    assert unknown.exit_code == 1 and "no organisation named 'Nowhere'" in unknown.stderr


def test_reset_2fa_removes_the_second_factor_and_ends_sessions(app, hub, session, world):
    analyst = world["analyst"]
    browser = log_in(app, analyst)
    done = hub("user", "reset-2fa", analyst.email)
    assert done.exit_code == 0 and "second factor" in done.stdout
    session.refresh(analyst)
    assert analyst.totp_secret is None
    assert browser.get("/connect").status_code == 302
    _audited(session, "user.totp-reset", analyst)
    missing = hub("user", "reset-2fa", "nobody@watch.example")
    assert missing.exit_code == 1 and "no user" in missing.stderr
