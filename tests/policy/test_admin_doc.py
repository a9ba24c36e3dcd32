"""The administrators' table in docs/access-control.md is what the services do, cell by cell.

Each row of the table is an action; each is tried through the services the admin pages call, once as an
organisation admin and once as a coordinator, in a small world, and the outcome is read back as the table
writes it: `yes` (done), `no` (refused), `second coordinator` (turned into a proposal, or refused because a
second coordinator must make it).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub.approvals import service as approvals
from hub.errors import Conflict, HubError, NotFound, PermissionDenied
from hub.interop.feeds import service as feeds
from hub.orgs import members, own_tokens, trust
from hub.orgs.models import Organisation, User
from hub.orgs.service import add_group
from hub.orgs.tokens import issue_token
from hub.policy.admin_actions import NeedsSecondCoordinator, require_own_token
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.stix.query import ObjectFilter, list_versions
from tests.admin.builders import user
from tests.factories import indicator, make_collection, make_org, post, principal

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-control.md"
OUTCOMES = {"yes", "no", "second coordinator"}


@dataclass
class World:
    own: Organisation  # the actor's organisation (org admin's; the coordinator's desk)
    other: Organisation
    colleague: User  # an account of the actor's organisation
    stranger: User  # an account of the other organisation
    coordinator_there: User  # a coordinator's account in the org admin's organisation
    far: Collection  # read by the other organisation only
    circle_group: int
    red_id: str


def documented() -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and {cells[1], cells[2]} <= OUTCOMES:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def build(session: Session, actor_role: str) -> tuple[Principal, World]:
    """The actor (an org admin of a vetted NGO, or a coordinator of a vetted desk) and the world around it."""
    kind = "coordinator" if actor_role == "coordinator" else "ngo"
    own = make_org(session, "Own", "vetted", kind)
    other = make_org(session, "Other", "vetted")
    actor = user(session, own, actor_role)
    colleague = user(session, own)
    coordinator_there = user(session, own, "coordinator")
    stranger = user(session, other)
    author = user(session, other)
    group = add_group(session, None, "Circle", [other.name])
    far = make_collection(session, read=["org:Other", "group:Circle"], title="Far")
    make_collection(session, read=["group:Circle"], title="Circle channel")
    red_channel = make_collection(
        session, read=["tier:vetted", f"user:{stranger.email}"], write=["org:Other"], title="Red"
    )
    red = indicator(Tlp.RED)
    post(session, author, red_channel, [red])
    issue_token(session, None, colleague)
    issue_token(session, None, stranger)
    session.commit()
    world = World(own, other, colleague, stranger, coordinator_there, far, group.id, red["id"])
    return principal(session, actor), world


def _outcome(action: Callable[[], object]) -> str:
    try:
        result = action()
    except NeedsSecondCoordinator:
        return "second coordinator"
    except (PermissionDenied, NotFound, Conflict):
        return "no"
    return "second coordinator" if isinstance(result, approvals.Proposal) else "yes"


def _edit(session: Session, p: Principal, w: World, read: str) -> object:
    payload = {"title": "Far", "description": "", "default_tlp": "amber", "read": read, "write": ""}
    return approvals.submit(session, p, "collection.update", w.far.id, payload)


def _tier(session: Session, p: Principal, org: Organisation) -> object:
    return approvals.submit(session, p, "org.tier", str(org.id), {"tier": "trusted", "reason": "doc"})


def _tokens_of(session: Session, p: Principal, org: Organisation) -> object:
    tokens = members.list_tokens(session, p, org.id)
    return members.revoke_org_token(session, p, tokens[0].id)


def _approve_own(session: Session, p: Principal, w: World) -> object:
    proposal = _tier(session, p, w.own)  # a proposal (or a refusal) for anyone
    if not isinstance(proposal, approvals.Proposal):
        raise PermissionDenied("no proposal could be made")
    return approvals.approve(session, p, proposal.id)


def _link_secret(session: Session, p: Principal, w: World) -> object:
    """What an admin service hands back for a link: the row, with no secret on it."""
    results = []
    for target in (w.colleague, w.stranger):
        try:
            results.append(members.reinvite_user(session, p, target.id))
        except (PermissionDenied, NotFound):
            continue
    if any(hasattr(result, "secret") for result in results):
        return True
    raise PermissionDenied("no secret")


def _reads_unaddressed_red(session: Session, p: Principal, w: World) -> object:
    collections = list(p.readable)
    for cid in collections:
        rows = list_versions(session, p, cid, ObjectFilter(), limit=1000).items
        if any(row.stix_id == w.red_id for row in rows):
            return True
    raise NotFound("not visible")


def _no_surface(session: Session, p: Principal, w: World) -> object:
    """Feeds and role changes take no acting principal: only the operator does them."""
    assert "p" not in inspect.signature(feeds.add_feed).parameters
    raise PermissionDenied("only the operator at the command line")


def _move_out(session: Session, p: Principal, w: World) -> object:
    """Moving a colleague or oneself out: both must be refused (the destination's admins decide)."""
    for user_id in (w.colleague.id, p.user_id or 0):
        try:
            members.move_user(session, p, user_id, w.other.id)
        except PermissionDenied:
            continue
        return True
    raise PermissionDenied("refused both")


ACTIONS: dict[str, Callable[[Session, Principal, World], object]] = {
    "create an API token for their own account": lambda s, p, w: own_tokens.create_own_token(s, p, "x", 5),
    "create an API token for someone else": lambda s, p, w: require_own_token(p, w.colleague.id),
    "list and revoke the tokens of their organisation's accounts": lambda s, p, w: _tokens_of(s, p, w.own),
    "list and revoke the tokens of another organisation's accounts": lambda s, p, w: _tokens_of(
        s, p, w.other
    ),
    "issue a password or invitation link for an account of their organisation (it goes to the user)": (
        lambda s, p, w: members.reinvite_user(s, p, w.colleague.id)
    ),
    "issue a password or invitation link for an account of another organisation": (
        lambda s, p, w: members.reinvite_user(s, p, w.stranger.id)
    ),
    "see the secret of a password or invitation link for someone else": lambda s, p, w: _link_secret(s, p, w),
    "invite a new person into another organisation, or register its webhook (the link or the "
    "deliveries would reach an address they choose)": lambda s, p, w: members.invite_user(
        s, p, w.other.id, "me@elsewhere.example"
    ),
    "reset the second factor of, deactivate or reactivate an account of their organisation": (
        lambda s, p, w: members.set_active(s, p, w.colleague.id, False)
    ),
    "deactivate a coordinator's account": lambda s, p, w: members.set_active(
        s, p, w.coordinator_there.id, False
    ),
    "change a channel's rules in a way that does not widen their own reach": (
        lambda s, p, w: _edit(s, p, w, "org:Other")
    ),
    "change a channel's rules so that they may read it, or so that a `user:` rule names them": (
        lambda s, p, w: _edit(s, p, w, f"org:Other\nuser:{p.email}")
    ),
    "add their own organisation to a sharing group that a channel rule names": (
        lambda s, p, w: approvals.submit(
            s, p, "group.members", str(w.circle_group), {"members": "Other\nOwn"}
        )
    ),
    "change another organisation's tier": lambda s, p, w: _tier(s, p, w.other),
    "change their own organisation's tier": lambda s, p, w: _tier(s, p, w.own),
    "suspend another organisation": lambda s, p, w: trust.suspend(s, p, w.other.id, "doc"),
    "suspend their own organisation": lambda s, p, w: trust.suspend(s, p, w.own.id, "doc"),
    "approve a proposal they made": _approve_own,
    "read a TLP:RED object that no `user:` rule addresses to them (and they did not write)": (
        _reads_unaddressed_red
    ),
    "move an account of another organisation into their own organisation (as a member; its tokens are "
    "revoked)": lambda s, p, w: members.move_user(s, p, w.stranger.id, w.own.id),
    "move an account of their organisation, or their own, into another organisation": _move_out,
    "set up a feed, change a user's role": _no_surface,
}


def test_the_table_and_this_test_name_the_same_actions():
    assert set(documented()) == set(ACTIONS)


@pytest.mark.parametrize("column", [0, 1], ids=["org admin", "coordinator"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_cell_is_what_the_services_do(app: Flask, session: Session, action: str, column: int):
    expected = documented()[action][column]
    p, world = build(session, "org-admin" if column == 0 else "coordinator")
    try:
        got = _outcome(lambda: ACTIONS[action](session, p, world))
    except HubError as exc:  # any other refusal is a defect of the test world, not an answer
        pytest.fail(f"{action}: {exc}")
    assert got == expected, action


def test_no_web_route_changes_roles_and_the_only_move_brings_people_in(app: Flask):
    rules = [str(rule) for rule in app.url_map.iter_rules()]
    assert not [r for r in rules if re.search(r"/role\b", r)], "update the administrators' table"
    moves = [r for r in rules if re.search(r"/move", r)]
    assert moves == ["/admin/users/<id:user_id>/move-here"], "update the administrators' table"
