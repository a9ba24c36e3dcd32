"""Who may be told about an object: the one visibility rule (`hub.policy.visibility`), asked per recipient.

A webhook speaks for its whole organisation, so it is checked as the organisation's plain member would be (no
`user:` rule names an organisation) and never receives TLP:RED. These checks run when a delivery is planned
and
again when it is sent, so a recipient who lost access meanwhile is told nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from hub.orgs.models import Organisation, Role, Tier, User
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for, resolve_collections
from hub.policy.tlp import Tlp
from hub.policy.visibility import visible
from hub.stix.models import ObjectVersion

AnySession = Session | scoped_session[Session]


def org_principal(session: AnySession, org: Organisation) -> Principal:
    """The organisation as a webhook speaks for it: what any of its members may read, without `user:`
    rules."""
    base = Principal(org_id=org.id, role=Role.MEMBER, tier=Tier(org.tier), org_active=org.is_active)
    return resolve_collections(session, base)


def user_principal(session: AnySession, user: User) -> Principal:
    """The user as the web would see them."""
    return principal_for(session, user)


def visible_ids(
    session: AnySession, p: Principal, version_ids: Sequence[int], *, below_red: bool = False
) -> list[int]:
    """The ids among `version_ids` that `p` may see (in the given order); `below_red` also drops TLP:RED."""
    if not version_ids:
        return []
    query = select(ObjectVersion.id).where(ObjectVersion.id.in_(list(version_ids)), visible(p))
    if below_red:
        query = query.where(ObjectVersion.tlp < int(Tlp.RED))
    allowed = set(session.scalars(query))
    return [i for i in version_ids if i in allowed]
