"""Organisations, users and sharing groups: the operations coordinators and operators perform."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import first_or_raise
from hub.errors import Conflict, InvalidInput
from hub.orgs.models import Organisation, OrgStatus, OrgType, Role, SharingGroup, Tier, User
from hub.orgs.passwords import MIN_PASSWORD_LENGTH, hash_password
from hub.policy.principal import Principal

IDENTITY_NAMESPACE = uuid.UUID("6f1c1f0e-8d0b-4d39-9a57-1b0a3c2e9b11")


def identity_id_for(name: str) -> str:
    """A stable STIX identity id for an organisation name (uuid5), so exports from two hubs agree."""
    return f"identity--{uuid.uuid5(IDENTITY_NAMESPACE, name.strip().lower())}"


def get_org(session: Session, name: str) -> Organisation:
    """The organisation of that name."""
    return first_or_raise(
        session, select(Organisation).where(Organisation.name == name), f"no organisation named {name!r}"
    )


def list_orgs(session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def add_org(
    session: Session,
    actor: Principal | None,
    name: str,
    org_type: str,
    tier: str | Tier = Tier.REGISTERED,
    *,
    country: str | None = None,
    description: str | None = None,
) -> Organisation:
    """Create an organisation. :raises InvalidInput: bad type or tier. :raises Conflict: name taken."""
    name = name.strip()
    if not name:
        raise InvalidInput("an organisation needs a name")
    try:
        kind = OrgType(org_type)
    except ValueError:
        raise InvalidInput(
            f"unknown organisation type {org_type!r}; choose one of {', '.join(t.value for t in OrgType)}"
        ) from None
    level = _tier(tier)
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise Conflict(f"an organisation named {name!r} already exists")
    org = Organisation(
        name=name,
        type=kind.value,
        tier=int(level),
        status=OrgStatus.ACTIVE.value,
        identity_id=identity_id_for(name),
        country=country,
        description=description,
    )
    session.add(org)
    session.flush()
    record(
        session, actor, "org.add", "organisation", org.id, org_id=org.id, tier=level.label, type=kind.value
    )
    return org


def set_tier(
    session: Session, actor: Principal | None, org: Organisation, tier: str | Tier, reason: str
) -> None:
    """Raise or lower an organisation's trust tier; the reason is audited."""
    level = _tier(tier)
    before = Tier(org.tier)
    org.tier = int(level)
    record(
        session,
        actor,
        "org.set-tier",
        "organisation",
        org.id,
        org_id=org.id,
        reason=reason,
        before=before.label,
        after=level.label,
    )


def set_status(
    session: Session, actor: Principal | None, org: Organisation, status: OrgStatus, reason: str
) -> None:
    """Suspend or reinstate an organisation; the reason is audited."""
    before = org.status
    org.status = status.value
    record(
        session,
        actor,
        f"org.{'suspend' if status is OrgStatus.SUSPENDED else 'reinstate'}",
        "organisation",
        org.id,
        org_id=org.id,
        reason=reason,
        before=before,
        after=status.value,
    )


def normalise_email(email: str) -> str:
    """Emails are compared and stored lower-cased."""
    return email.strip().lower()


def get_user(session: Session, email: str) -> User:
    """The user with that email, any case."""
    return first_or_raise(
        session, select(User).where(User.email == normalise_email(email)), f"no user with email {email!r}"
    )


def add_user(
    session: Session,
    actor: Principal | None,
    email: str,
    org: Organisation,
    role: str | Role = Role.MEMBER,
    password: str | None = None,
) -> User:
    """Create a user.

    :raises InvalidInput: bad email, role or short password. :raises Conflict: the email is taken.
    """
    address = normalise_email(email)
    local, at, domain = address.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in address):
        raise InvalidInput(f"{email!r} is not an email address")
    try:
        user_role = Role(role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from None
    if session.scalar(select(User.id).where(func.lower(User.email) == address)) is not None:
        raise Conflict(f"a user with email {address!r} already exists")
    user = User(email=address, org=org, role=user_role.value, is_active=True)
    if password is not None:
        set_password(user, password)
    session.add(user)
    session.flush()
    record(session, actor, "user.add", "user", user.id, org_id=org.id, role=user_role.value)
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password hash. :raises InvalidInput: too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)


def get_group(session: Session, name: str) -> SharingGroup:
    """The sharing group of that name."""
    return first_or_raise(
        session, select(SharingGroup).where(SharingGroup.name == name), f"no sharing group named {name!r}"
    )


def add_group(session: Session, actor: Principal | None, name: str, org_names: list[str]) -> SharingGroup:
    """Create a sharing group of existing organisations. :raises NotFound: unknown org."""
    name = name.strip()
    if not name:
        raise InvalidInput("a sharing group needs a name")
    if session.scalar(select(SharingGroup.id).where(SharingGroup.name == name)) is not None:
        raise Conflict(f"a sharing group named {name!r} already exists")
    group = SharingGroup(name=name, orgs=[get_org(session, org_name) for org_name in org_names])
    session.add(group)
    session.flush()
    record(session, actor, "group.add", "sharing-group", group.id, members=sorted(org_names))
    return group


def _tier(tier: str | Tier) -> Tier:
    if isinstance(tier, Tier):
        return tier
    try:
        return Tier.parse(tier)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
