"""Typed builders of real hub objects, made through the same services users call."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy.orm import Session

from hub.orgs import service as orgs
from hub.orgs.models import Organisation, User
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.sharing import service as sharing
from hub.sharing.models import Collection
from hub.stix.ingest import IngestOptions, add_objects
from hub.stix.models import Submission

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_org(
    session: Session, name: str | None = None, tier: str = "vetted", org_type: str = "ngo"
) -> Organisation:
    return orgs.add_org(session, None, name or f"Org {next(_counter)}", org_type, tier)


def make_user(session: Session, org: Organisation, role: str = "member", email: str | None = None) -> User:
    address = email or f"user{next(_counter)}@{org.name.lower().replace(' ', '-')}.example"
    return orgs.add_user(session, None, address, org, role, PASSWORD)


def make_collection(
    session: Session,
    read: list[str] | None = None,
    write: list[str] | None = None,
    default_tlp: Tlp = Tlp.AMBER,
    title: str | None = None,
) -> Collection:
    return sharing.add_collection(
        session,
        None,
        title or f"Collection {next(_counter)}",
        read=read or [],
        write=write or [],
        default_tlp=default_tlp,
    )


def principal(session: Session, user: User | None) -> Principal:
    session.flush()
    return principal_for(session, user)


def indicator(
    tlp: Tlp | None = None,
    *,
    value: str | None = None,
    modified: str = "2026-01-01T00:00:00.000Z",
    stix_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid STIX 2.1 indicator for a domain, marked with `tlp` (or unmarked when None)."""
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id or f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": "Phishing domain",
        "pattern": f"[domain-name:value = '{value or f'phish{next(_counter)}.example'}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    if tlp is not None:
        obj["object_marking_refs"] = [tlp.marking_id]
    obj.update(extra)
    return obj


def post(
    session: Session, user: User, collection: Collection, objects: list[dict[str, Any]], **options: Any
) -> Submission:
    """Add objects as `user` and commit, as a surface would."""
    submission = add_objects(
        session, principal(session, user), collection.id, objects, IngestOptions(**options)
    )
    session.commit()
    return submission
