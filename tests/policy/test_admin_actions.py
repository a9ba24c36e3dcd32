"""Property: no admin action widens its actor's own reach (issue #10), over random worlds and random sequences
of administrative actions, checked against the plain-Python reference.

Hypothesis builds a random world (`tests.policy.test_property.worlds`: organisations, groups, users of every
role, collections with random rules, versions of every TLP and state) and a random sequence of actions, each
by a random user, through the services every surface calls: channel rule changes, sharing-group membership,
tier changes (these three through `hub.approvals.submit`, which proposes what it may not make), suspension
and reinstatement, approving an open proposal, creating one's own token, a password/invitation link, a
second-factor reset, deactivation and reactivation, moving an account (often into the actor's own
organisation, sometimes the actor's own account, or out into another). After every action:

- each action the hub made is mirrored into the reference world, and the set of object versions the actor
  may read (by the reference rule, for the actor and for every credential the actor holds) must not have
  grown;
- every credential an admin service handed back belongs to its actor (a token) or carries no secret (a
  link);
- the database still answers exactly what the reference answers, for the actor (`dbworld.mismatches`).

Feed setup and role changes have no service that takes an acting principal: only the operator at the command
line does them (`docs/access-control.md`, "Administrators").
"""

from __future__ import annotations

import os
from dataclasses import replace

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hub.approvals import service as approvals
from hub.approvals.models import Proposal, ProposalStatus
from hub.errors import HubError
from hub.orgs import members, own_tokens
from hub.orgs import service as orgs
from hub.orgs.tokens import token_for_secret
from hub.policy.credentials import principal_for_token
from hub.sharing.service import get_collection
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_property import GROUPS, worlds

EXAMPLES = int(os.environ.get("HUB_ADMIN_EXAMPLES", os.environ.get("HUB_POLICY_EXAMPLES", "40")))
KINDS = (
    "rules",
    "group",
    "tier",
    "suspend",
    "reinstate",
    "approve",
    "token",
    "link",
    "reset2fa",
    "deactivate",
    "move",
)


def reach(world: ref.World, email: str) -> set[tuple[str, str, int]]:
    """Every object version `email` may read, by the reference rule."""
    r = ref.reader(world, email)
    return {(x.collection, x.stix_id, x.version) for x in world.versions if ref.visible(world, x, r)}


def rules(draw: st.DrawFn, world: ref.World, writing: bool) -> tuple[ref.Rule, ...]:
    targets = {
        "tier": st.sampled_from(ref.TIERS),
        "org": st.sampled_from(sorted(world.orgs)),
        "group": st.sampled_from(GROUPS),
        "user": st.sampled_from(sorted(world.users)),
    }
    kinds = [k for k in ref.RULE_KINDS if not (writing and k == "public")]
    rule = st.sampled_from(kinds).flatmap(
        lambda kind: (
            st.just(ref.Rule(kind)) if kind == "public" else targets[kind].map(lambda t: ref.Rule(kind, t))
        )
    )
    return tuple(draw(st.lists(rule, max_size=3, unique=True)))


class Run:
    """One sequence of actions against the database and the reference world side by side."""

    def __init__(self, session, world: ref.World, user_ids: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
        self.session, self.world, self.user_ids = session, world, user_ids
        self.held: dict[str, list[str]] = {}  # actor email -> token secrets it holds
        self.made: list[str] = []

    def principal(self, email: str):  # type: ignore[no-untyped-def]
        return dbworld.principal_of(self.session, email)

    def org_of(self, p) -> str:  # type: ignore[no-untyped-def]
        return self.world.users[p.email].org

    def org_id(self, name: str) -> int:
        return orgs.get_org(self.session, name).id

    def held_reach(self, email: str) -> set[tuple[str, str, int]]:
        """What the actor's tokens read (each must be the actor's own, so within its reach)."""
        seen: set[tuple[str, str, int]] = set()
        for secret in self.held.get(email, []):
            token = token_for_secret(self.session, secret)
            if token is None:
                continue
            assert token.user.email == email, "an admin service handed out someone else's token"
            try:
                p = principal_for_token(self.session, token)
            except HubError:
                continue  # suspended: refused outright
            seen |= {(c, s, v) for c, s, v in reach(self.world, email) if c in p.readable}
        return seen

    def act(self, draw: st.DrawFn, actor: str) -> None:
        waiting = self.session.scalar(select(func.count(Proposal.id)).where(Proposal.status == "open"))
        kind = "approve" if waiting and draw(st.booleans()) else draw(st.sampled_from(KINDS))
        p = self.principal(actor)
        try:
            mirror = getattr(self, f"_{kind}")(draw, p)
        except HubError as exc:
            self.session.rollback()
            event(f"refused {kind}: {type(exc).__name__}")
            return
        self.session.commit()
        proposed = mirror is None and kind in ("rules", "group", "tier")
        event(
            f"proposed {kind}"
            if proposed
            else f"made {kind}"
            if mirror or kind != "approve"
            else "none to approve"
        )
        if mirror is not None:
            mirror()
        self.made.append(kind)

    # Each action returns how to mirror what the hub made into the reference world (None: nothing to mirror).

    def _rules(self, draw, p):  # type: ignore[no-untyped-def]
        cid = draw(st.sampled_from(sorted(self.world.collections)))
        read, write = rules(draw, self.world, False), rules(draw, self.world, True)
        if p.email and draw(st.booleans()):  # often about the actor: the changes the rule is about
            own = ref.Rule("user", p.email) if draw(st.booleans()) else ref.Rule("org", self.org_of(p))
            read = tuple(dict.fromkeys((*read, own)))
        title = get_collection(self.session, cid).title
        payload = {
            "title": title,
            "description": "",
            "default_tlp": "amber",
            "read": "\n".join(r.text() for r in read),
            "write": "\n".join(r.text() for r in write),
        }
        if approvals.submit(self.session, p, "collection.update", cid, payload) is not None:
            return None
        return lambda: self.world.collections.__setitem__(cid, ref.Collection(cid, read, write))

    def _group(self, draw, p):  # type: ignore[no-untyped-def]
        group = draw(st.sampled_from(GROUPS))
        members = draw(st.sets(st.sampled_from(sorted(self.world.orgs))))
        if p.email and draw(st.booleans()):
            members.add(self.org_of(p))
        try:
            group_id = orgs.get_group(self.session, group).id
        except HubError:
            group_id = orgs.add_group(self.session, None, group, []).id
            self.session.commit()
        payload = {"members": "\n".join(sorted(members))}
        if approvals.submit(self.session, p, "group.members", str(group_id), payload) is not None:
            return None

        def mirror() -> None:
            for name, org in self.world.orgs.items():
                groups = (org.groups | {group}) if name in members else (org.groups - {group})
                self.world.orgs[name] = replace(org, groups=frozenset(groups))

        return mirror

    def _tier(self, draw, p):  # type: ignore[no-untyped-def]
        name, tier = draw(st.sampled_from(sorted(self.world.orgs))), draw(st.sampled_from(ref.TIERS))
        if p.email and draw(st.booleans()):
            name = self.org_of(p)
        payload = {"tier": tier, "reason": "property test"}
        if approvals.submit(self.session, p, "org.tier", str(self.org_id(name)), payload) is not None:
            return None
        return lambda: self.world.orgs.__setitem__(name, replace(self.world.orgs[name], tier=tier))

    def _status(self, draw, p, active: bool):  # type: ignore[no-untyped-def]
        from hub.orgs import trust

        name = draw(st.sampled_from(sorted(self.world.orgs)))
        change = trust.reinstate if active else trust.suspend
        change(self.session, p, self.org_id(name), "property test")
        return lambda: self.world.orgs.__setitem__(name, replace(self.world.orgs[name], active=active))

    def _suspend(self, draw, p):  # type: ignore[no-untyped-def]
        return self._status(draw, p, False)

    def _reinstate(self, draw, p):  # type: ignore[no-untyped-def]
        return self._status(draw, p, True)

    def _approve(self, draw, p):  # type: ignore[no-untyped-def]
        open_ = approvals.list_proposals(self.session, p, ProposalStatus.OPEN)
        others = [x for x in open_ if x.proposed_by_id != p.user_id] or open_
        if not others:
            return None
        proposal = draw(st.sampled_from(others))
        kind, target, payload = proposal.kind, proposal.target_id, approvals.payload_of(proposal)
        approvals.approve(self.session, p, proposal.id)
        if proposal.status != ProposalStatus.APPROVED:
            return None
        return self._mirror_proposal(kind, target, payload)

    def _mirror_proposal(self, kind: str, target: str, payload: dict[str, str]):  # type: ignore[no-untyped-def]
        def parsed(text: str) -> tuple[ref.Rule, ...]:
            found = []
            for line in text.splitlines():
                kind_, _, value = line.partition(":")
                found.append(ref.Rule(kind_, value or None))
            return tuple(found)

        def mirror() -> None:
            if kind == "collection.update":
                self.world.collections[target] = ref.Collection(
                    target, parsed(payload["read"]), parsed(payload["write"])
                )
            elif kind == "org.tier":
                name = next(n for n in self.world.orgs if self.org_id(n) == int(target))
                self.world.orgs[name] = replace(self.world.orgs[name], tier=payload["tier"])
            else:
                group = self.session.get(orgs.SharingGroup, int(target)).name
                members = set(payload["members"].splitlines())
                for name, org in self.world.orgs.items():
                    groups = (org.groups | {group}) if name in members else (org.groups - {group})
                    self.world.orgs[name] = replace(org, groups=frozenset(groups))

        return mirror

    def _token(self, draw, p):  # type: ignore[no-untyped-def]
        scope = draw(st.sampled_from(("read", "write")))
        issued = own_tokens.create_own_token(self.session, p, "property", 30, scope)
        assert issued.token.user_id == p.user_id
        self.held.setdefault(p.email, []).append(issued.secret)
        return None

    def _target(self, draw) -> int:  # type: ignore[no-untyped-def]
        return self.user_ids[draw(st.sampled_from(sorted(self.world.users)))]

    def _link(self, draw, p):  # type: ignore[no-untyped-def]
        invite = members.reinvite_user(self.session, p, self._target(draw))
        assert not hasattr(invite, "secret"), "an admin was handed a password link"
        return None

    def _reset2fa(self, draw, p):  # type: ignore[no-untyped-def]
        members.reset_second_factor(self.session, p, self._target(draw))
        return None

    def _deactivate(self, draw, p):  # type: ignore[no-untyped-def]
        email = draw(st.sampled_from(sorted(self.world.users)))
        active = draw(st.booleans())
        members.set_active(self.session, p, self.user_ids[email], active)
        return lambda: self.world.users.__setitem__(email, replace(self.world.users[email], active=active))

    def _move(self, draw, p):  # type: ignore[no-untyped-def]
        """Bring someone into the actor's organisation, move oneself or a colleague out, or any move."""
        users, orgs_ = sorted(self.world.users), sorted(self.world.orgs)
        mode = draw(st.sampled_from(("in", "self", "self", "colleague", "any"))) if p.email else "any"
        own = self.org_of(p) if p.email else None
        outside = [n for n in orgs_ if n != own] or orgs_
        colleagues = [e for e in users if self.world.users[e].org == own and e != p.email] or users
        email, name = {
            "in": lambda: (draw(st.sampled_from(users)), own),
            "self": lambda: (p.email, draw(st.sampled_from(outside))),
            "colleague": lambda: (draw(st.sampled_from(colleagues)), draw(st.sampled_from(outside))),
            "any": lambda: (draw(st.sampled_from(users)), draw(st.sampled_from(orgs_))),
        }[mode]()
        members.move_user(self.session, p, self.user_ids[email], self.org_id(name))
        moved = replace(self.world.users[email], org=name, role="member")
        return lambda: self.world.users.__setitem__(email, moved)


def with_desks(world: ref.World, draw: st.DrawFn) -> ref.World:
    """Add two coordination desks (two coordinators, and one), so that most actions have a real actor."""
    for desk, count in (("desk", 2), ("desk2", 1)):
        world.orgs[desk] = ref.Org(desk, draw(st.sampled_from(ref.TIERS)), True, frozenset())
        for i in range(count):
            email = f"c{i}@{desk}.example"
            world.users[email] = ref.User(email, desk, "coordinator")
    return world


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds(), data=st.data())
def test_no_admin_action_widens_its_actors_reach(session, world, data):
    world = with_desks(world, data.draw)
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    dbworld.insert_versions(session, world.versions, user_ids)
    run = Run(session, world, user_ids)
    coordinators = sorted(e for e, u in world.users.items() if u.role == "coordinator")
    for _ in range(data.draw(st.integers(1, 10), label="actions")):
        pool = coordinators if data.draw(st.integers(0, 9), label="pool") < 7 else sorted(world.users)
        actor = data.draw(st.sampled_from(pool), label="actor")
        before = reach(world, actor) | run.held_reach(actor)
        run.act(data.draw, actor)
        after = reach(world, actor) | run.held_reach(actor)
        assert after <= before, f"{actor} gained {sorted(after - before)} by {run.made[-1:]}"
        assert dbworld.mismatches(session, world, actor) == [], run.made
