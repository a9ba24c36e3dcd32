"""Property: the audience preview of a channel's rules says exactly who gains and who loses access — the
difference of the reference read (and write) rule before and after — saves nothing, reveals no person, and
says "this becomes a proposal" exactly when saving it does.

Hypothesis builds a random world (`tests.policy.test_property.worlds`, plus coordination desks from
`tests.policy.test_admin_actions.with_desks`), picks a coordinator, a collection and new random rules (often
naming the coordinator, the changes the two-person rule is about), asks `hub.sharing.preview` and compares:

- `gains` / `loses`, per organisation with its count of active people, with the users of active organisations
  for whom `reference.may_read` (`may_write`) turns true / false; `public` with a `public` read rule;
- the rules, the audit log and the proposals are unchanged afterwards (the preview saved nothing);
- `widens_own_reach` is true exactly when `approvals.submit` of the same change returns a proposal;
- the preview's text holds no email address (it is organisation-level audience, which coordinators may see).
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hub.approvals import service as approvals
from hub.approvals.models import Proposal
from hub.audit.models import AuditEvent
from hub.orgs import service as orgs
from hub.orgs.models import SharingGroup
from hub.sharing.models import AccessRule
from hub.sharing.preview import AccessShift, preview_new, preview_update
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_admin_actions import EXAMPLES, rules, with_desks
from tests.policy.test_property import GROUPS, worlds


def expected(world: ref.World, before: ref.Collection, after: ref.Collection, writing: bool) -> dict:
    """Gains and losses per organisation by the reference rule, over active people of active organisations."""
    allowed = ref.may_write if writing else ref.may_read
    gains: Counter[str] = Counter()
    loses: Counter[str] = Counter()
    for user in world.users.values():
        r = ref.reader(world, user.email)
        if r.org is None:
            continue  # anonymous: counted by the `public` flag, not as a person of an organisation
        was, now = allowed(before, r), allowed(after, r)
        if now and not was:
            gains[user.org] += 1
        if was and not now:
            loses[user.org] += 1
    public = (
        (not writing and any(x.kind == "public" for x in before.read)),
        (not writing and any(x.kind == "public" for x in after.read)),
    )
    return {"gains": dict(gains), "loses": dict(loses), "public": public}


def got(shift: AccessShift) -> dict:
    return {
        "gains": {o.name: o.people for o in shift.gains},
        "loses": {o.name: o.people for o in shift.loses},
        "public": (shift.public_before, shift.public_after),
    }


def saved_state(session) -> tuple:  # type: ignore[no-untyped-def]
    rule_rows = session.execute(
        select(AccessRule.collection_id, AccessRule.mode, AccessRule.kind, AccessRule.tier, AccessRule.org_id)
        .add_columns(AccessRule.group_id, AccessRule.user_id)
        .order_by(AccessRule.id)
    ).all()
    events = session.scalar(select(func.count(AuditEvent.id)))
    proposals = session.scalar(select(func.count(Proposal.id)))
    return (tuple(rule_rows), events, proposals)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking these worlds takes minutes on 2 cores
)
@given(world=worlds(), data=st.data())
def test_preview_is_the_difference_of_the_rule_before_and_after(session, world, data):
    world = with_desks(world, data.draw)
    dbworld.empty_tables(session)
    dbworld.build(session, world)
    known = set(session.scalars(select(SharingGroup.name)))
    for group in sorted(set(GROUPS) - known):
        orgs.add_group(session, None, group, [])  # a rule may name a group nobody is in yet
    session.commit()
    desks = sorted(e for e, u in world.users.items() if u.org.startswith("desk"))  # active coordinators
    coordinator = data.draw(st.sampled_from(desks))
    p = dbworld.principal_of(session, coordinator)
    cid = data.draw(st.sampled_from(sorted(world.collections)))
    read, write = rules(data.draw, world, False), rules(data.draw, world, True)
    if data.draw(st.booleans()):
        own = ref.Rule("user", coordinator) if data.draw(st.booleans()) else ref.Rule("org", "desk")
        read = tuple(dict.fromkeys((*read, own)))
    read_text, write_text = "\n".join(r.text() for r in read), "\n".join(r.text() for r in write)
    state = saved_state(session)

    preview = preview_update(session, p, cid, read_text, write_text)
    session.commit()
    assert saved_state(session) == state, "the preview saved something"
    before, after = world.collections[cid], ref.Collection(cid, read, write)
    note = f"{before} -> {after}"
    assert got(preview.read) == expected(world, before, after, False), note
    assert got(preview.write) == expected(world, before, after, True), note
    assert "@" not in repr(preview), "the preview names a person"

    fresh = preview_new(session, p, "New channel", None, read_text, write_text)
    session.commit()
    assert saved_state(session) == state, "the preview of a new channel saved something"
    nothing = ref.Collection("new")
    assert got(fresh.read) == expected(world, nothing, ref.Collection("new", read, write), False), read
    assert got(fresh.write) == expected(world, nothing, ref.Collection("new", read, write), True), write
    assert not fresh.widens_own_reach  # creating a channel is never a proposal

    payload = {
        "title": "T",
        "description": "",
        "default_tlp": "amber",
        "read": read_text,
        "write": write_text,
    }
    proposal = approvals.submit(session, p, "collection.update", cid, payload)
    assert (proposal is not None) == preview.widens_own_reach
    session.rollback()
