"""Changes that need a second coordinator: submit (make it, or propose it), list, approve, reject.

A coordinator's change to channel rules, sharing groups or tiers is made at once unless it would widen the
coordinator's own reach (`hub.policy.admin_actions`); then it is stored as a proposal. Another coordinator
approves it: the change is made again as the approver, who must not gain reach from it either, and only if the
target is still as it was when proposed. Both names are in the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.approvals.models import Proposal, ProposalStatus
from hub.audit.service import record
from hub.db import utcnow
from hub.errors import InvalidInput, NotFound
from hub.orgs import trust
from hub.orgs.models import Organisation, SharingGroup, Tier
from hub.policy.admin_actions import NeedsSecondCoordinator, require_second_person
from hub.policy.principal import Principal
from hub.policy.roles import require_coordinator
from hub.policy.tlp import Tlp
from hub.sharing import channels
from hub.sharing.service import get_collection, rule_text

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChangeKind:
    """How to make one kind of change, and how to read its target's state (to refuse stale approvals)."""

    apply: Callable[[Session, Principal, str, Payload], object]
    state: Callable[[Session, str], str]


def _collection_state(session: Session, target: str) -> str:
    c = get_collection(session, target)
    rules = sorted(f"{r.mode} {rule_text(r)}" for r in c.rules)
    return json.dumps([c.title, c.description, c.default_tlp, rules])


def _group_state(session: Session, target: str) -> str:
    group = session.get(SharingGroup, int(target))
    return json.dumps(sorted(o.name for o in group.orgs) if group else None)


def _tier_state(session: Session, target: str) -> str:
    org = session.get(Organisation, int(target))
    return json.dumps([Tier(org.tier).label, org.status] if org else None)


KINDS: dict[str, ChangeKind] = {
    "collection.update": ChangeKind(
        lambda s, p, t, d: channels.update_collection(
            s, p, t, d["title"], d["description"], Tlp.parse(d["default_tlp"]), d["read"], d["write"]
        ),
        _collection_state,
    ),
    "group.members": ChangeKind(
        lambda s, p, t, d: channels.set_group_members(s, p, int(t), d["members"]), _group_state
    ),
    "org.tier": ChangeKind(
        lambda s, p, t, d: trust.change_tier(s, p, int(t), d["tier"], d["reason"]), _tier_state
    ),
}


def submit(session: Session, p: Principal, kind: str, target_id: str, payload: Payload) -> Proposal | None:
    """Make the change as `p`; if it would widen `p`'s own reach, store it as a proposal and return that.

    :raises InvalidInput:, :raises Conflict:, :raises NotFound:, :raises PermissionDenied: as the change does.
    """
    require_coordinator(p)
    change = KINDS[kind]
    try:
        change.apply(session, p, target_id, payload)
    except NeedsSecondCoordinator:
        proposal = Proposal(
            kind=kind,
            target_id=str(target_id),
            payload=json.dumps(payload, sort_keys=True),
            before=change.state(session, str(target_id)),
            status=ProposalStatus.OPEN.value,
            proposed_by_id=p.user_id,
        )
        session.add(proposal)
        session.flush()
        record(session, p, "proposal.open", "proposal", proposal.id, kind=kind, target=str(target_id))
        return proposal
    return None


def list_proposals(session: Session, p: Principal, status: ProposalStatus | None = None) -> list[Proposal]:
    """Proposals, newest first (open ones only by default). :raises PermissionDenied:"""
    require_coordinator(p)
    query = select(Proposal).order_by(Proposal.proposed_at.desc(), Proposal.id.desc())
    if status is not None:
        query = query.where(Proposal.status == status.value)
    return list(session.scalars(query))


def payload_of(proposal: Proposal) -> Payload:
    """The proposed change's fields."""
    data: Payload = json.loads(proposal.payload)
    return data


def _open(session: Session, p: Principal, proposal_id: int) -> Proposal:
    require_coordinator(p)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.status != ProposalStatus.OPEN:
        raise NotFound(f"no open proposal with id {proposal_id}")
    return proposal


def approve(session: Session, p: Principal, proposal_id: int) -> Proposal:
    """Make the proposed change as `p`, a coordinator other than the proposer whose reach it does not widen.

    A proposal whose target changed since it was made is closed as stale and nothing is applied.
    :raises PermissionDenied: the proposer, or the change would widen `p`'s reach too.
    """
    proposal = _open(session, p, proposal_id)
    require_second_person(p, proposal.proposed_by_id)
    change = KINDS[proposal.kind]
    if change.state(session, proposal.target_id) != proposal.before:
        _decide(session, p, proposal, ProposalStatus.STALE, "the target changed since it was proposed")
        return proposal
    try:
        change.apply(session, p, proposal.target_id, payload_of(proposal))
    except NeedsSecondCoordinator:
        raise NeedsSecondCoordinator(
            "this change would let you read more too; a coordinator it does not concern must approve it"
        ) from None
    _decide(session, p, proposal, ProposalStatus.APPROVED, None)
    return proposal


def reject(session: Session, p: Principal, proposal_id: int, reason: str) -> Proposal:
    """Close a proposal without applying it (the proposer may withdraw their own). :raises InvalidInput:"""
    proposal = _open(session, p, proposal_id)
    text = reason.strip()
    if not text:
        raise InvalidInput("a reason is required: it is kept in the audit log")
    _decide(session, p, proposal, ProposalStatus.REJECTED, text)
    return proposal


_ACTIONS = {
    ProposalStatus.APPROVED: "proposal.approve",
    ProposalStatus.REJECTED: "proposal.reject",
    ProposalStatus.STALE: "proposal.stale",
}


def _decide(
    session: Session, p: Principal, proposal: Proposal, status: ProposalStatus, reason: str | None
) -> None:
    proposal.status = status.value
    proposal.decided_by_id = p.user_id
    proposal.decided_at = utcnow()
    proposal.reason = reason
    record(
        session,
        p,
        _ACTIONS[status],
        "proposal",
        proposal.id,
        reason=reason,
        kind=proposal.kind,
        target=proposal.target_id,
        proposed_by=proposal.proposed_by.email,
        decided_by=p.email,
    )
