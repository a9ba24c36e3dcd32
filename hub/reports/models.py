"""Reports, their message threads, escalations to platforms, and the organisations designated as helplines.

Nothing here identifies a reporter: no network metadata is stored, the receipt code is kept only as a hash,
and the free text, contact details, traces and messages are sealed (encrypted) with a key that never enters
the database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.orgs.models import Organisation, User
from hub.policy.tlp import Tlp


class Category(StrEnum):
    """What happened to the reporter."""

    PHISHING = "phishing"
    ACCOUNT_COMPROMISE = "account-compromise"
    SPYWARE = "spyware"
    HARASSMENT = "harassment"
    IMPERSONATION = "impersonation"
    SMEAR = "smear"
    OTHER = "other"


class Status(StrEnum):
    """Where a report stands in the responders' queue."""

    NEW = "new"
    IN_PROGRESS = "in-progress"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Author(StrEnum):
    """Who wrote a message of a report's thread."""

    REPORTER = "reporter"
    RESPONDER = "responder"


class MessageKind(StrEnum):
    """Replies reach the reporter; notes stay among responders."""

    REPLY = "reply"
    NOTE = "note"


class Outcome(StrEnum):
    """A platform's answer to an escalation."""

    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    ACTIONED = "actioned"
    DECLINED = "declined"


report_platforms = Table(
    "report_platforms",
    Base.metadata,
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Report(Base):
    """One report. `sealed` holds the encrypted text, contact, traces and free-text platform names."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=Status.NEW, index=True)
    may_share: Mapped[bool] = mapped_column(Boolean, default=False)
    share_max_tlp: Mapped[int | None] = mapped_column(SmallInteger)  # the widest TLP the reporter allows
    may_escalate: Mapped[bool] = mapped_column(Boolean, default=False)
    has_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    services: Mapped[str] = mapped_column(String(300), default="")  # `Service` values, comma-separated
    sealed: Mapped[str | None] = mapped_column(Text)  # None once retention purged it
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    published_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)

    platforms: Mapped[list[Organisation]] = relationship(
        secondary=report_platforms, order_by=Organisation.name
    )
    assignee: Mapped[User | None] = relationship()
    messages: Mapped[list[ReportMessage]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportMessage.id"
    )
    escalations: Mapped[list[Escalation]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Escalation.id"
    )


class ReportMessage(Base):
    """A reply, a note or an addition by the reporter; the body is sealed like the report."""

    __tablename__ = "report_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sealed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="messages")
    user: Mapped[User | None] = relationship()


class Escalation(Base):
    """A report escalated to one platform organisation, and that platform's answer."""

    __tablename__ = "report_escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    platform_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    escalated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sealed_request: Mapped[str | None] = mapped_column(Text)  # the responder's message to the platform
    outcome: Mapped[str] = mapped_column(String(16), default=Outcome.PENDING)
    sealed_answer: Mapped[str | None] = mapped_column(Text)  # the platform's note
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report: Mapped[Report] = relationship(back_populates="escalations")
    platform: Mapped[Organisation] = relationship()


class Helpline(Base):
    """An organisation a coordinator designated as a helpline: its members respond to reports."""

    __tablename__ = "helplines"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    designated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    org: Mapped[Organisation] = relationship()


class IntakeHandle(Base):
    """A submitted form's nonce, so a double POST or a reload files one report or message, and for a new
    report the receipt code, sealed, until the reporter confirms they wrote it down (or it expires).

    Holds nothing about the reporter and no link to the report: the nonce is random and stored only as a hash;
    the browser keeps the nonce in its session as the one-time handle the receipt page opens.
    """

    __tablename__ = "intake_handles"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed_code: Mapped[str | None] = mapped_column(Text)  # None for messages, and once acknowledged
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Sharing(StrEnum):
    """What the reporter lets the helpline do with the technical traces, in plain words on the form; each
    choice is a TLP ceiling (`SHARING_TLP`) that every publication from the report is held to."""

    HELPLINE = "helpline"
    PARTNERS = "partners"
    COMMUNITY = "community"
    PUBLIC = "public"


SHARING_TLP: dict[Sharing, Tlp | None] = {
    Sharing.HELPLINE: None,
    Sharing.PARTNERS: Tlp.AMBER,
    Sharing.COMMUNITY: Tlp.GREEN,
    Sharing.PUBLIC: Tlp.CLEAR,
}


def sharing_of(may_share: bool, share_max_tlp: int | None) -> Sharing:
    """The plain choice a report's consent columns stand for (the widest choice within the ceiling)."""
    if not may_share or share_max_tlp is None:
        return Sharing.HELPLINE
    for choice in (Sharing.PUBLIC, Sharing.COMMUNITY, Sharing.PARTNERS):
        level = SHARING_TLP[choice]
        if level is not None and share_max_tlp <= level:
            return choice
    return Sharing.PARTNERS  # AMBER+STRICT, from before the plain choices: at least as narrow as partners


class Service(StrEnum):
    """The services people name in reports, whether or not their company is a member of the hub; stored in
    clear (`Report.services`) so per-platform figures are not limited to member platforms."""

    WHATSAPP = "whatsapp"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    MESSENGER = "messenger"
    X = "x"
    TELEGRAM = "telegram"
    SIGNAL = "signal"
    GMAIL = "gmail"
    OUTLOOK = "outlook"
    YOUTUBE = "youtube"
    TIKTOK = "tiktok"
    LINKEDIN = "linkedin"
    SNAPCHAT = "snapchat"
    PHONE_OPERATOR = "phone-operator"
    OTHER = "other"
