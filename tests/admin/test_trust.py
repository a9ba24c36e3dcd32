"""Trust tiers and suspension: coordinators only, a reason every time, every change in the org's history."""

from __future__ import annotations

import pytest

from hub.audit.queries import AuditFilter, list_events
from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.orgs import trust
from hub.orgs.models import OrgStatus, Tier
from tests.admin.builders import user
from tests.factories import make_org, principal


@pytest.fixture
def coordinator(session):
    return principal(
        session, user(session, make_org(session, "Coordination", "trusted", "coordinator"), "coordinator")
    )


def test_raise_lower_suspend_reinstate_are_audited_with_their_reasons(session, coordinator):
    org = make_org(session, "Growing", "registered")
    trust.change_tier(session, coordinator, org.id, "vetted", "two references checked")
    trust.change_tier(session, coordinator, org.id, Tier.REGISTERED, "reference withdrawn")
    trust.suspend(session, coordinator, org.id, "account compromise")
    assert org.status == OrgStatus.SUSPENDED
    trust.reinstate(session, coordinator, org.id, "credentials rotated")
    history = list_events(session, coordinator, AuditFilter(org_id=org.id)).items
    assert [(row.event.action, row.event.reason) for row in history] == [
        ("org.reinstate", "credentials rotated"),
        ("org.suspend", "account compromise"),
        ("org.set-tier", "reference withdrawn"),
        ("org.set-tier", "two references checked"),
        ("org.add", None),
    ]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_change_needs_a_reason(session, coordinator, reason):
    org = make_org(session, "Reasonless", "registered")
    with pytest.raises(InvalidInput):
        trust.change_tier(session, coordinator, org.id, "vetted", reason)
    with pytest.raises(InvalidInput):
        trust.suspend(session, coordinator, org.id, reason)
    assert (org.tier, org.status) == (Tier.REGISTERED, OrgStatus.ACTIVE)


def test_no_op_changes_and_suspending_your_own_org_are_refused(session, coordinator):
    org = make_org(session, "Steady", "vetted")
    with pytest.raises(Conflict):
        trust.change_tier(session, coordinator, org.id, "vetted", "same")
    with pytest.raises(Conflict):
        trust.reinstate(session, coordinator, org.id, "not suspended")
    with pytest.raises(Conflict):
        trust.suspend(session, coordinator, coordinator.org_id, "oops")
    with pytest.raises(InvalidInput):
        trust.change_tier(session, coordinator, org.id, "platinum", "no such tier")


def test_org_admins_cannot_change_tiers(session):
    org = make_org(session, "Self Raiser", "registered")
    p = principal(session, user(session, org, "org-admin"))
    with pytest.raises(PermissionDenied):
        trust.change_tier(session, p, org.id, "trusted", "we are great")
