"""Organisation admins' pages: invite by one-time link, accept it, deactivate, reset second factor, tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from hub.cli import main
from hub.orgs.models import ApiToken, User
from hub.orgs.tokens import user_for_secret


def _link(html: bytes) -> str:
    found = re.search(rb"http://localhost(/join/invite/[A-Za-z0-9_-]+)", html)
    assert found, html
    return found.group(1).decode()


def test_invite_link_goes_to_the_user_only_and_sets_the_password(as_role, people, session, runner):
    client = as_role("admin_a")
    page = client.post(
        f"/admin/orgs/{people['org_a'].id}/users", data={"email": "new@org-a.example", "role": "member"}
    )
    assert page.status_code == 200 and b"/join/invite/" not in page.data
    assert b"new@org-a.example" in page.data
    printed = runner.invoke(main, ["user", "reset-password", "new@org-a.example"])
    session.rollback()
    assert printed.exit_code == 0, printed.output
    link = printed.output.strip().splitlines()[-1]
    assert link.startswith("/join/invite/")

    visitor = as_role(None)
    assert b"new@org-a.example" in visitor.get(link).data
    mismatch = visitor.post(link, data={"password": "a long enough password", "confirm": "something else"})
    assert mismatch.status_code == 400
    password = "a long enough password"
    done = visitor.post(link, data={"password": password, "confirm": password})
    assert done.status_code == 302 and done.location == "/login"
    assert visitor.get(link).status_code == 404
    assert session.scalar(select(User.password_hash).where(User.email == "new@org-a.example")) is not None


def test_invite_errors_are_shown_on_the_form(as_role, people):
    client = as_role("admin_a")
    taken = client.post(
        f"/admin/orgs/{people['org_a'].id}/users", data={"email": people["member"].email, "role": "member"}
    )
    assert taken.status_code == 409 and b"already exists" in taken.data
    coordinator_role = client.post(
        f"/admin/orgs/{people['org_a'].id}/users", data={"email": "boss@org-a.example", "role": "coordinator"}
    )
    assert coordinator_role.status_code == 400


def test_org_admin_cannot_invite_into_another_org(as_role, people):
    response = as_role("admin_a").post(
        f"/admin/orgs/{people['org_b'].id}/users", data={"email": "spy@org-b.example", "role": "member"}
    )
    assert response.status_code == 403


def test_deactivate_reactivate_and_reset_second_factor(as_role, people, session):
    member = people["member"]
    member.totp_secret = "JBSWY3DPEHPK3PXP"
    session.commit()
    client = as_role("admin_a")
    assert client.post(f"/admin/users/{member.id}/reset-second-factor").status_code == 302
    assert client.post(f"/admin/users/{member.id}/deactivate").status_code == 302
    session.refresh(member)
    assert (member.totp_secret, member.is_active) == (None, False)
    assert client.post(f"/admin/users/{member.id}/activate").status_code == 302
    session.refresh(member)
    assert member.is_active


def test_org_admin_cannot_touch_another_orgs_users(as_role, people, session):
    target = people["admin_b"]
    client = as_role("admin_a")
    for action in ("deactivate", "reset-second-factor", "reinvite"):
        assert client.post(f"/admin/users/{target.id}/{action}").status_code == 404
    session.refresh(target)
    assert target.is_active


def test_token_secret_is_shown_once_and_revocation_works(as_role, people, session):
    client = as_role("admin_a")
    url = f"/admin/orgs/{people['org_a'].id}/tokens"
    created = client.post(
        "/connect/tokens", data={"user": people["member"].id, "label": "SOC poller", "expires_days": 30}
    )
    assert created.status_code == 200
    secret = re.search(rb"hub_[A-Za-z0-9_-]+", created.data).group(0).decode()
    assert user_for_secret(session, secret).id == people["admin_a"].id  # one's own, whatever the form says
    session.commit()
    listing = client.get(url).data
    assert b"SOC poller" in listing and secret.encode() not in listing
    token_id = session.scalar(select(ApiToken.id))
    assert as_role("admin_b").post(f"/admin/tokens/{token_id}/revoke").status_code == 404
    assert as_role("admin_b").post(url, data={"label": "x", "expires_days": 3}).status_code == 405
    assert client.post(f"/admin/tokens/{token_id}/revoke").status_code == 302
    assert user_for_secret(session, secret) is None


def test_token_form_validates_expiry(as_role, people):
    response = as_role("admin_a").post(
        "/connect/tokens", data={"user": people["member"].id, "label": "x", "expires_days": 0}
    )
    assert response.status_code == 400
