"""Coordinators' channel management: collections and their rules, sharing groups, clear rule errors."""

from __future__ import annotations

import pytest

from hub.errors import InvalidInput, PermissionDenied
from hub.policy.tlp import Tlp
from hub.sharing import channels
from hub.sharing.audience import audience
from hub.sharing.service import rule_text
from tests.admin.builders import user
from tests.factories import make_org, principal


@pytest.fixture
def coordinator(session):
    return principal(
        session, user(session, make_org(session, "Coordination", "trusted", "coordinator"), "coordinator")
    )


def test_create_and_edit_a_collection_with_rules_one_per_line(session, coordinator):
    make_org(session, "Helpline, Inc.")
    created = channels.create_collection(
        session,
        coordinator,
        "Phishing",
        "Campaigns",
        "phishing",
        Tlp.GREEN,
        "tier:vetted\n\norg:Helpline, Inc.",
        "tier:trusted",
    )
    assert sorted(f"{r.mode} {rule_text(r)}" for r in created.rules) == [
        "read org:Helpline, Inc.",
        "read tier:vetted",
        "write tier:trusted",
    ]
    channels.update_collection(session, coordinator, created.id, "Phishing kits", "", Tlp.AMBER, "public", "")
    assert (created.title, created.default_tlp, [rule_text(r) for r in created.rules]) == (
        "Phishing kits",
        Tlp.AMBER,
        ["public"],
    )


@pytest.mark.parametrize(
    ("read", "write", "message"),
    [
        ("tier:gold", "", "unknown tier"),
        ("everyone", "", "rules are"),
        ("", "public", "only be a read rule"),
        ("org:Nobody Known", "", "no organisation named 'Nobody Known'"),
    ],
)
def test_rule_errors_are_clear(session, coordinator, read, write, message):
    with pytest.raises(InvalidInput, match=message):
        channels.create_collection(session, coordinator, "Broken", "", None, Tlp.GREEN, read, write)


def test_groups_are_created_and_their_members_replaced(session, coordinator):
    first, second = make_org(session, "First"), make_org(session, "Second")
    group = channels.create_group(session, coordinator, "Region", "First")
    channels.set_group_members(session, coordinator, group.id, "Second\nFirst\nSecond")
    assert sorted(o.name for o in group.orgs) == [first.name, second.name]
    with pytest.raises(InvalidInput, match="no organisation named 'Ghost'"):
        channels.set_group_members(session, coordinator, group.id, "Ghost")


def test_only_coordinators_manage_channels(session):
    p = principal(session, user(session, make_org(session, "Plain"), "org-admin"))
    with pytest.raises(PermissionDenied):
        channels.create_collection(session, p, "Mine", "", None, Tlp.GREEN, "public", "")
    with pytest.raises(PermissionDenied):
        channels.groups(session, p)


def test_audience_follows_the_tlp_gate(session, coordinator):
    registered, vetted = make_org(session, "Registered Org", "registered"), make_org(session, "Vetted Org")
    suspended = make_org(session, "Suspended Org")
    suspended.status = "suspended"
    named = user(session, vetted)
    collection = channels.create_collection(
        session, coordinator, "Mixed", "", None, Tlp.GREEN, f"public\nuser:{named.email}", "tier:vetted"
    )
    clear = audience(session, collection, Tlp.CLEAR)
    assert clear.public and clear.org_names == ["Coordination", registered.name, vetted.name]
    amber = audience(session, collection, Tlp.AMBER)
    assert (amber.public, amber.by_tier) == (False, {"registered": 0, "vetted": 1, "trusted": 1})
    red = audience(session, collection, Tlp.RED)
    assert (red.org_names, red.named_users) == ([vetted.name], 1)
    named.is_active = False
    assert audience(session, collection, Tlp.RED).org_count == 0


def test_audience_of_a_group_rule(session, coordinator):
    member, outsider = make_org(session, "In Group"), make_org(session, "Not In Group")
    channels.create_group(session, coordinator, "Circle", member.name)
    collection = channels.create_collection(
        session, coordinator, "Circle only", "", None, Tlp.AMBER, "group:Circle", ""
    )
    assert audience(session, collection, Tlp.AMBER).org_names == [member.name]
    assert outsider.name not in audience(session, collection, Tlp.CLEAR).org_names
