"""Who may speak for whom: a member's or the hub's STIX identity is used only by its owner.

Organisation identity ids are derived from the organisation's name, so anyone can compute them. Without this
rule a member (or a feed upstream) could set another organisation's identity as `created_by_ref`, or post an
`identity` object under its id with a name of its choosing, and readers would see that organisation as the
source. The hub's own identity is set only by the hub itself (sharing without attribution).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.identity import hub_identity_id
from hub.orgs.models import Organisation
from hub.policy.principal import Principal


@dataclass(frozen=True, slots=True)
class Identities:
    """The identities the hub vouches for, and which one the poster owns (None: none)."""

    protected: frozenset[str]
    own: str | None


def identities_for(session: Session, p: Principal, *, via_feed: bool = False) -> Identities:
    """Every member organisation's identity and the hub's; the poster's own among them. What a feed pulls in
    speaks for the upstream, not for the local account it is posted as: it owns no identity here."""
    rows = session.execute(select(Organisation.id, Organisation.identity_id)).all()
    protected = {identity for _, identity in rows}
    if has_app_context():
        protected.add(hub_identity_id(current_app.config))
    own = None if via_feed else next((identity for org_id, identity in rows if org_id == p.org_id), None)
    return Identities(frozenset(protected), own)


def attribution_problem(obj: Mapping[str, Any], identities: Identities) -> str | None:
    """Why the object may not be stored as posted, or None: it names an identity its poster does not own."""
    claimed = obj.get("created_by_ref")
    if isinstance(claimed, str) and claimed in identities.protected and claimed != identities.own:
        return (
            f"created_by_ref {claimed} is the identity of another member organisation or of this hub; "
            "objects may be attributed only to your own organisation's identity"
        )
    if (
        obj.get("type") == "identity"
        and obj.get("id") in identities.protected
        and obj["id"] != identities.own
    ):
        return (
            "this identity id belongs to another member organisation or to this hub; only its owner may "
            "post or change it"
        )
    return None


def owns_identity(session: Session, producer_org_id: int | None, identity_id: object) -> str | None:
    """The producer organisation's name when `identity_id` is its own identity, else None (readers are shown
    a source only when the poster owns it)."""
    if producer_org_id is None or not isinstance(identity_id, str):
        return None
    return session.scalar(
        select(Organisation.name).where(
            Organisation.id == producer_org_id, Organisation.identity_id == identity_id
        )
    )
