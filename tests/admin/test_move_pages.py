"""Moving an account on the web: a coordinator brings an account of another organisation into their own desk
(it becomes a member, its tokens stop working, its session ends); nobody else has the button or the power."""

from __future__ import annotations

from hub.orgs.tokens import issue_token, token_for_secret
from tests.admin.conftest import log_in


def test_a_coordinator_brings_an_account_into_their_desk(app, as_role, people, session):
    member, coordinator = people["member"], people["coordinator"]
    secret = issue_token(session, None, member).secret
    session.commit()
    members_session = log_in(app, member)
    page = as_role("coordinator").get(f"/admin/orgs/{people['org_a'].id}/users").get_data(as_text=True)
    assert f"/admin/users/{member.id}/move-here" in page and "Move into Coordination" in page

    moved = as_role("coordinator").post(f"/admin/users/{member.id}/move-here", follow_redirects=True)
    assert "is now a member of Coordination" in moved.get_data(as_text=True)
    session.refresh(member)
    assert member.org_id == coordinator.org_id and member.role == "member"
    assert token_for_secret(session, secret) is None
    assert members_session.get("/connect").status_code == 302  # logged out at the next request


def test_org_admins_move_nobody(as_role, people, session):
    admin_page = as_role("admin_a").get(f"/admin/orgs/{people['org_a'].id}/users").get_data(as_text=True)
    assert "move-here" not in admin_page
    assert as_role("admin_a").post(f"/admin/users/{people['member'].id}/move-here").status_code == 302
    assert as_role("admin_b").post(f"/admin/users/{people['member'].id}/move-here").status_code == 404
    session.refresh(people["member"])
    assert people["member"].org_id == people["org_a"].id


def test_a_coordinator_does_not_move_themselves(as_role, people, session):
    own = (
        as_role("coordinator").get(f"/admin/orgs/{people['coordinator'].org_id}/users").get_data(as_text=True)
    )
    assert "move-here" not in own  # no button on one's own organisation's page
    response = as_role("coordinator").post(
        f"/admin/users/{people['coordinator'].id}/move-here", follow_redirects=True
    )
    assert response.status_code == 200
    session.refresh(people["coordinator"])
    assert people["coordinator"].role == "coordinator"
