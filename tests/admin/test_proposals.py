"""The two-person rule: changes that would widen a coordinator's own reach wait for a second coordinator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.approvals import service as approvals
from hub.approvals.models import ProposalStatus
from hub.audit.models import AuditEvent
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.orgs.models import SharingGroup, Tier
from hub.orgs.service import add_group
from hub.policy.admin_actions import NeedsSecondCoordinator
from tests.admin.builders import user
from tests.factories import make_collection, make_org, principal


@pytest.fixture
def desk(session):
    """Two coordinators of one registered-tier desk, one of another desk, and a channel for vetted orgs."""
    home = make_org(session, "Home desk", "registered", "coordinator")
    other = make_org(session, "Other desk", "trusted", "coordinator")
    people = {
        "home": home,
        "first": user(session, home, "coordinator"),
        "colleague": user(session, home, "coordinator"),
        "outsider": user(session, other, "coordinator"),
        "channel": make_collection(session, read=["tier:vetted"], title="Vetted only"),
    }
    session.commit()
    return people


def _p(session, desk, who):
    return principal(session, desk[who])


def test_a_coordinator_never_changes_their_own_orgs_tier_alone(session, desk):
    payload = {"tier": "trusted", "reason": "we grew"}
    proposal = approvals.submit(
        session, _p(session, desk, "first"), "org.tier", str(desk["home"].id), payload
    )
    assert proposal is not None and desk["home"].tier == Tier.REGISTERED
    with pytest.raises(PermissionDenied):  # the proposer
        approvals.approve(session, _p(session, desk, "first"), proposal.id)
    with pytest.raises(NeedsSecondCoordinator):  # a colleague of the same organisation gains as much
        approvals.approve(session, _p(session, desk, "colleague"), proposal.id)
    approvals.approve(session, _p(session, desk, "outsider"), proposal.id)
    session.commit()
    assert desk["home"].tier == Tier.TRUSTED and proposal.status == ProposalStatus.APPROVED
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.approve"))
    assert desk["first"].email in event.details and desk["outsider"].email in event.details


def test_lowering_a_tier_of_another_org_is_made_at_once(session, desk):
    other = make_org(session, "Some NGO", "trusted")
    payload = {"tier": "vetted", "reason": "lapsed references"}
    assert approvals.submit(session, _p(session, desk, "first"), "org.tier", str(other.id), payload) is None
    assert other.tier == Tier.VETTED


def test_joining_a_group_that_reads_a_channel_needs_a_second_coordinator(session, desk):
    group = add_group(session, None, "Circle", [])
    make_collection(session, read=["group:Circle"], title="Circle channel")
    session.commit()
    me = _p(session, desk, "first")
    payload = {"members": "Home desk"}
    proposal = approvals.submit(session, me, "group.members", str(group.id), payload)
    assert proposal is not None and session.get(SharingGroup, group.id).orgs == []
    # Another group member's change is made at once: the coordinator's org gains nothing from it.
    assert approvals.submit(session, me, "group.members", str(group.id), {"members": "Other desk"}) is None


def test_a_stale_proposal_applies_nothing(session, desk):
    channel = desk["channel"]
    edit = {"title": "Vetted only", "description": "", "default_tlp": "amber", "write": ""}
    proposal = approvals.submit(
        session,
        _p(session, desk, "first"),
        "collection.update",
        channel.id,
        {**edit, "read": f"tier:vetted\nuser:{desk['first'].email}"},
    )
    assert proposal is not None
    assert (
        approvals.submit(
            session,
            _p(session, desk, "outsider"),
            "collection.update",
            channel.id,
            {**edit, "read": "public"},
        )
        is None
    )
    approvals.approve(session, _p(session, desk, "outsider"), proposal.id)
    assert proposal.status == ProposalStatus.STALE
    assert channel.id not in principal(session, desk["first"]).named


def test_reject_needs_a_reason_and_closes_the_proposal(session, desk):
    payload = {"tier": "vetted", "reason": "x"}
    proposal = approvals.submit(
        session, _p(session, desk, "first"), "org.tier", str(desk["home"].id), payload
    )
    with pytest.raises(InvalidInput):
        approvals.reject(session, _p(session, desk, "outsider"), proposal.id, " ")
    approvals.reject(session, _p(session, desk, "first"), proposal.id, "withdrawn")  # the proposer may
    assert proposal.status == ProposalStatus.REJECTED
    with pytest.raises(NotFound):
        approvals.approve(session, _p(session, desk, "outsider"), proposal.id)


def test_members_and_org_admins_cannot_see_or_submit_proposals(session, desk):
    ngo = make_org(session, "An NGO")
    for role in ("member", "org-admin"):
        p = principal(session, user(session, ngo, role))
        with pytest.raises(PermissionDenied):
            approvals.list_proposals(session, p)
        with pytest.raises(PermissionDenied):
            approvals.submit(session, p, "org.tier", str(ngo.id), {"tier": "trusted", "reason": "x"})
