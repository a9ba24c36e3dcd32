"""Collections and their access rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.orgs.models import Organisation, SharingGroup, User
from hub.policy.tlp import Tlp


class Mode(StrEnum):
    """What a rule grants."""

    READ = "read"
    WRITE = "write"


class RuleKind(StrEnum):
    """Whom a rule names."""

    PUBLIC = "public"
    TIER = "tier"
    ORG = "org"
    GROUP = "group"
    USER = "user"


class Collection(Base):
    """A TAXII collection: one sharing channel with its own read and write rules and default TLP."""

    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    alias: Mapped[str | None] = mapped_column(String(100), unique=True)
    default_tlp: Mapped[int] = mapped_column(SmallInteger, default=Tlp.AMBER)
    # The last `date_added` handed out, in µs: writers take this row's lock and continue from it, so
    # `date_added`
    # is unique, strictly increasing and follows commit order within the collection.
    last_date_added: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    rules: Mapped[list[AccessRule]] = relationship(
        back_populates="collection", cascade="all, delete-orphan", order_by="AccessRule.id"
    )


class AccessRule(Base):
    """One read or write rule of a collection. Targets are stored by id so renaming an organisation keeps
    its rules."""

    __tablename__ = "access_rules"
    __table_args__ = (
        UniqueConstraint("collection_id", "mode", "kind", "tier", "org_id", "group_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    tier: Mapped[int | None] = mapped_column(SmallInteger)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("sharing_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    collection: Mapped[Collection] = relationship(back_populates="rules")
    org: Mapped[Organisation | None] = relationship()
    group: Mapped[SharingGroup | None] = relationship()
    user: Mapped[User | None] = relationship()
