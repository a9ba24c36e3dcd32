"""Proposals: a change a coordinator may not make alone, waiting for a second coordinator."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.orgs.models import User


class ProposalStatus(StrEnum):
    """Open proposals wait; the others are decided (or went stale because the target changed meanwhile)."""

    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    STALE = "stale"


class Proposal(Base):
    """A change (`kind` on `target_id`, described by the JSON `payload`) proposed by one coordinator.

    `before` is the target's state when it was proposed: a proposal is applied only to the state its
    approver reads about, never to one that changed since.
    """

    __tablename__ = "admin_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(80))
    payload: Mapped[str] = mapped_column(Text)
    before: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.OPEN, index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
