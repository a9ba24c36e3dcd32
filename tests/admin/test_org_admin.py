"""Organisation admins: invitations, deactivation, second-factor resets, API tokens; their own org only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.db import utcnow
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.orgs import members, own_tokens
from hub.orgs.onboarding_models import Invite
from hub.orgs.tokens import user_for_secret
from tests.admin.builders import user
from tests.factories import make_org, principal


@pytest.fixture
def orgs(session):
    org_a, org_b = make_org(session, "Org A"), make_org(session, "Org B")
    coordination = make_org(session, "Coordination", "trusted", "coordinator")
    return {
        "a": org_a,
        "b": org_b,
        "admin_a": user(session, org_a, "org-admin"),
        "member_a": user(session, org_a),
        "member_b": user(session, org_b),
        "coordinator": user(session, coordination, "coordinator"),
    }


def _link(session, invite: Invite) -> members.IssuedInvite:
    """The link as its user receives it (the operator's path prints it; admins never see it)."""
    return members.issue_invite(session, None, invite.user)


def test_invite_stores_only_a_hash_expires_in_seven_days_and_sets_the_password_once(session, orgs):
    p = principal(session, orgs["admin_a"])
    invite = members.invite_user(session, p, orgs["a"].id, "New@Org-A.example")
    assert not hasattr(invite, "secret")  # the admin gets the row, never the link
    issued = _link(session, invite)
    stored = session.scalar(select(Invite))
    assert issued.secret not in stored.token_hash and len(stored.token_hash) == 64
    assert timedelta(days=6, hours=23) < stored.expires_at - utcnow() <= timedelta(days=7)
    assert members.get_invite(session, issued.secret).user.email == "new@org-a.example"
    with pytest.raises(InvalidInput):
        members.accept_invite(session, issued.secret, "short")
    accepted = members.accept_invite(session, issued.secret, "a long enough password")
    assert accepted.password_hash is not None
    with pytest.raises(NotFound):
        members.accept_invite(session, issued.secret, "another long password")


def test_an_expired_invite_is_refused(session, orgs):
    p = principal(session, orgs["admin_a"])
    issued = _link(session, members.invite_user(session, p, orgs["a"].id, "late@org-a.example"))
    issued.invite.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotFound):
        members.accept_invite(session, issued.secret, "a long enough password")


def test_a_new_invite_replaces_the_old_link(session, orgs):
    p = principal(session, orgs["admin_a"])
    first = _link(session, members.invite_user(session, p, orgs["a"].id, "twice@org-a.example"))
    second = members.reinvite_user(session, p, first.invite.user_id)
    with pytest.raises(NotFound):
        members.get_invite(session, first.secret)
    assert second.user_id == first.invite.user_id and second.used_at is None


def test_org_admins_cannot_invite_coordinators_and_members_cannot_invite(session, orgs):
    with pytest.raises(PermissionDenied):
        members.invite_user(
            session, principal(session, orgs["admin_a"]), orgs["a"].id, "x@org-a.example", "coordinator"
        )
    with pytest.raises(PermissionDenied):
        members.invite_user(session, principal(session, orgs["member_a"]), orgs["a"].id, "y@org-a.example")


def test_deactivation_stops_login_tokens_and_invites_and_is_audited(session, orgs):
    p = principal(session, orgs["admin_a"])
    issued = own_tokens.create_own_token(session, principal(session, orgs["member_a"]), "poller", 30)
    members.set_active(session, p, orgs["member_a"].id, False)
    assert user_for_secret(session, issued.secret) is None
    assert principal(session, orgs["member_a"]).is_anonymous
    with pytest.raises(InvalidInput):
        members.reinvite_user(session, p, orgs["member_a"].id)
    with pytest.raises(InvalidInput):
        members.set_active(session, p, orgs["admin_a"].id, False)
    members.set_active(session, p, orgs["member_a"].id, True)
    about_member = AuditEvent.target_id == str(orgs["member_a"].id)
    actions = list(session.scalars(select(AuditEvent.action).where(about_member).order_by(AuditEvent.id)))
    assert actions[-2:] == ["user.deactivate", "user.activate"]


def test_reset_second_factor_clears_the_secret(session, orgs):
    orgs["member_a"].totp_secret = "JBSWY3DPEHPK3PXP"
    members.reset_second_factor(session, principal(session, orgs["admin_a"]), orgs["member_a"].id)
    assert orgs["member_a"].totp_secret is None


def test_org_admin_of_a_cannot_touch_org_b_users_or_tokens(session, orgs):
    p = principal(session, orgs["admin_a"])
    coordinator = principal(session, orgs["coordinator"])
    b_token = own_tokens.create_own_token(session, principal(session, orgs["member_b"]), "b", 5)
    with pytest.raises(PermissionDenied):
        members.list_users(session, p, orgs["b"].id)
    with pytest.raises(PermissionDenied):
        members.list_tokens(session, p, orgs["b"].id)
    with pytest.raises(PermissionDenied):
        members.invite_user(session, p, orgs["b"].id, "intruder@org-b.example")
    for action in (
        lambda: members.set_active(session, p, orgs["member_b"].id, False),
        lambda: members.reset_second_factor(session, p, orgs["member_b"].id),
        lambda: members.reinvite_user(session, p, orgs["member_b"].id),
        lambda: members.revoke_org_token(session, p, b_token.token.id),
    ):
        with pytest.raises(NotFound):
            action()
    assert orgs["member_b"].is_active and b_token.token.revoked_at is None
    assert [t.id for t in members.list_tokens(session, coordinator, orgs["b"].id)] == [b_token.token.id]


def test_org_admins_cannot_manage_a_coordinator_in_their_org(session, orgs):
    coordinator_in_a = user(session, orgs["a"], "coordinator")
    with pytest.raises(PermissionDenied):
        members.set_active(session, principal(session, orgs["admin_a"]), coordinator_in_a.id, False)


def test_coordinators_manage_any_organisation(session, orgs):
    p = principal(session, orgs["coordinator"])
    assert [u.email for u in members.list_users(session, p, orgs["b"].id)] == [orgs["member_b"].email]
    members.set_active(session, p, orgs["member_b"].id, False)
    assert not orgs["member_b"].is_active


def test_tokens_need_a_label_and_a_bounded_expiry_and_list_last_use(session, orgs):
    p = principal(session, orgs["admin_a"])
    owner = principal(session, orgs["member_a"])
    with pytest.raises(InvalidInput):
        own_tokens.create_own_token(session, owner, " ", 30)
    with pytest.raises(InvalidInput):
        own_tokens.create_own_token(session, owner, "forever", 0)
    issued = own_tokens.create_own_token(session, owner, "feed poller", 30)
    assert issued.secret not in issued.token.token_hash
    assert user_for_secret(session, issued.secret).id == orgs["member_a"].id
    listed = members.list_tokens(session, p, orgs["a"].id)
    assert [(t.label, t.last_used_at is not None) for t in listed] == [("feed poller", True)]
    members.revoke_org_token(session, p, issued.token.id)
    assert user_for_secret(session, issued.secret) is None


def test_inviting_an_existing_email_conflicts(session, orgs):
    with pytest.raises(Conflict):
        members.invite_user(
            session, principal(session, orgs["admin_a"]), orgs["a"].id, orgs["member_a"].email
        )
