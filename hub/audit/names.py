"""Names people read in the audit log instead of ids: "Rights Watch", not "organisation 5".

One query per kind of target for a whole page of events. What an entry names is an organisation, an account,
a channel, a sharing group, an application, a token's label or a proposal: never an object's contents (STIX
ids stay ids), so naming reveals nothing the visibility rule hides. A target deleted since keeps its id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.approvals.models import Proposal
from hub.audit.queries import AuditRow
from hub.orgs.models import ApiToken, Organisation, SharingGroup, User
from hub.orgs.onboarding_models import Application
from hub.sharing.models import Collection

_TABLES: dict[str, tuple[Any, Any]] = {
    "organisation": (Organisation.id, Organisation.name),
    "user": (User.id, User.email),
    "collection": (Collection.id, Collection.title),
    "sharing-group": (SharingGroup.id, SharingGroup.name),
    "application": (Application.id, Application.name),
    "api-token": (ApiToken.id, ApiToken.label),
}


def details(row: AuditRow) -> dict[str, Any]:
    """The event's details as data (stored as JSON text)."""
    try:
        found = json.loads(row.event.details or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def target_names(session: Session, rows: Iterable[AuditRow]) -> dict[tuple[str, str], str]:
    """(target type, target id) -> the name to show, for every target of `rows` that has one."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        wanted.setdefault(row.event.target_type, set()).add(row.event.target_id)
    names: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        if kind in _TABLES:
            key, name = _TABLES[kind]
            typed = sorted(ids) if kind == "collection" else sorted(int(i) for i in ids if i.isdigit())
            for found_id, found_name in session.execute(select(key, name).where(key.in_(typed))):
                names[(kind, str(found_id))] = found_name
        elif kind == "proposal":
            numbers = sorted(int(i) for i in ids if i.isdigit())
            for proposal in session.scalars(select(Proposal).where(Proposal.id.in_(numbers))):
                names[(kind, str(proposal.id))] = proposal.kind
    return names


def org_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Organisation names by id (an event's details may name a second organisation, as a move does)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))
    return {org_id: name for org_id, name in rows}
