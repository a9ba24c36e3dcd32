"""The audit log for coordinators: filters by actor, organisation, object, action and date; paging."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.audit.queries import AuditFilter, count_events, list_events
from hub.audit.service import record
from hub.errors import PermissionDenied
from tests.admin.builders import user
from tests.factories import make_org, principal


@pytest.fixture
def log(session):
    coordination = make_org(session, "Coordination", "trusted", "coordinator")
    coordinator = principal(session, user(session, coordination, "coordinator"))
    target = make_org(session, "Target Org", "registered")
    actor = principal(session, user(session, target, "org-admin"))
    record(session, coordinator, "org.set-tier", "organisation", target.id, org_id=target.id, reason="vetted")
    record(session, actor, "token.issue", "api-token", 7, org_id=target.id)
    record(session, coordinator, "object.withdraw", "object", "indicator--1", reason="danger")
    session.flush()
    return {"coordinator": coordinator, "actor": actor, "target": target}


def _actions(session, p, **fields):
    return [row.event.action for row in list_events(session, p, AuditFilter(**fields)).items]


def test_filters(session, log):
    p = log["coordinator"]
    assert _actions(session, p, actor=log["actor"].email.upper()) == ["token.issue"]
    assert _actions(session, p, org="target") == ["token.issue", "org.set-tier", "user.add", "org.add"]
    assert _actions(session, p, target="indicator--1") == ["object.withdraw"]
    assert _actions(session, p, action="org.") == ["org.set-tier", "org.add", "org.add"]
    assert _actions(session, p, action="org.set-tier", org="coordination") == ["org.set-tier"]
    assert _actions(session, p, since=date.today() + timedelta(days=1)) == []
    assert len(_actions(session, p, since=date.today(), until=date.today())) == count_events(
        session, p, AuditFilter()
    )


def test_wildcards_in_filters_are_literal(session, log):
    assert _actions(session, log["coordinator"], actor="%") == []


def test_paging_newest_first(session, log):
    p = log["coordinator"]
    everything = _actions(session, p)
    first = list_events(session, p, AuditFilter(), limit=2)
    second = list_events(session, p, AuditFilter(), limit=2, before=first.next_after)
    assert first.more and [r.event.action for r in first.items + second.items] == everything[:4]


def test_only_coordinators_read_the_log(session, log):
    with pytest.raises(PermissionDenied):
        list_events(session, log["actor"], AuditFilter())
