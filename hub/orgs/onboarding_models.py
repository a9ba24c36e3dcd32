"""Applications to join the hub, and one-time invitations that let a new user set a password."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.orgs.models import Organisation, User


class ApplicationStatus(StrEnum):
    """Where an application stands; coordinators act on `pending` and `info-requested` ones."""

    PENDING = "pending"
    INFO_REQUESTED = "info-requested"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """True while a coordinator can still decide."""
        return self in (ApplicationStatus.PENDING, ApplicationStatus.INFO_REQUESTED)


class Application(Base):
    """An organisation's request to join, made through the public form.

    The applicant follows it through a status link; only a SHA-256 of the link's secret is stored.
    `messages` is a JSON list of {"at", "by" ("coordinator" | "applicant"), "text"}: questions and answers.
    """

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org_type: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str] = mapped_column(String(320))
    references: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.PENDING, index=True)
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    messages: Mapped[str] = mapped_column(Text, default="[]")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    org: Mapped[Organisation | None] = relationship()


class Invite(Base):
    """A one-time link that lets a user set their password. Only a SHA-256 of the link's secret is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
