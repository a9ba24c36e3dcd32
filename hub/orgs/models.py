"""Organisations, users, API tokens and sharing groups."""

from __future__ import annotations

import json
from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow


class OrgType(StrEnum):
    """What kind of organisation a member is."""

    NGO = "ngo"
    HRD = "hrd"
    CIVIL_SOCIETY = "civil-society"
    CERT = "cert"
    PLATFORM = "platform"
    COORDINATOR = "coordinator"


class Tier(IntEnum):
    """Trust tiers, ordered: a rule for a tier matches every organisation at or above it."""

    REGISTERED = 0
    VETTED = 1
    TRUSTED = 2

    @property
    def label(self) -> str:
        """The tier's name as users write it."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Tier:
        """Read a tier name; raises ValueError naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown tier {text!r}; choose one of {', '.join(t.label for t in cls)}"
            ) from None


class OrgStatus(StrEnum):
    """Whether an organisation may act at all."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class Role(StrEnum):
    """A user's role inside the hub."""

    MEMBER = "member"
    ORG_ADMIN = "org-admin"
    COORDINATOR = "coordinator"


group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("sharing_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    """A member organisation; its tier and status drive what its users may read and post."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    tier: Mapped[int] = mapped_column(SmallInteger, default=Tier.REGISTERED)
    status: Mapped[str] = mapped_column(String(16), default=OrgStatus.ACTIVE)
    identity_id: Mapped[str] = mapped_column(String(80), unique=True)
    country: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="org")
    groups: Mapped[list[SharingGroup]] = relationship(secondary=group_members, back_populates="orgs")

    @property
    def is_active(self) -> bool:
        """Suspended organisations match no access rule and may not post."""
        return self.status == OrgStatus.ACTIVE

    @property
    def tier_enum(self) -> Tier:
        """The tier as an enum."""
        return Tier(self.tier)


class User(Base):
    """A person who belongs to one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(
        String(320), unique=True
    )  # stored lower-cased: unique regardless of case
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # last accepted TOTP time step: no replays
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # failures since the last complete login
    last_failed_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    login_not_before: Mapped[datetime | None] = mapped_column(DateTime)  # a delay after failures
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    org: Mapped[Organisation] = relationship(back_populates="users")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class TokenScope(StrEnum):
    """What an API token may do: read only, or read and write (post and delete)."""

    READ = "read"
    WRITE = "write"


class ApiToken(Base):
    """A bearer secret for TAXII and the API. Only a SHA-256 of the secret is stored: the secret has 256 bits
    of entropy, so a slow hash adds nothing but a per-request cost."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    scope: Mapped[str] = mapped_column(
        String(8), default=TokenScope.WRITE, server_default=TokenScope.WRITE.value
    )
    # JSON list of collection ids the token is limited to; NULL: every collection its owner may use.
    collections: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def collection_ids(self) -> frozenset[str] | None:
        """The collections the token is limited to, or None when it is not limited."""
        return None if self.collections is None else frozenset(json.loads(self.collections))


class SharingGroup(Base):
    """A named set of organisations that collection rules can refer to as `group:NAME`."""

    __tablename__ = "sharing_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    orgs: Mapped[list[Organisation]] = relationship(secondary=group_members, back_populates="groups")
