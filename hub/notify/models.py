"""The outbox (events), what the worker made of them (deliveries), webhooks, subscriptions and members' keys.

An `Event` is written in the same transaction as the change that causes it; it holds references (ids), never
content, so nothing sensitive sits in the outbox. The worker expands an event into `Delivery` rows, one per
recipient the visibility rule allows, and sends each with retries; a delivery's `id` is the stable id
receivers
use to drop duplicates.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime

from hub.db import Base, utcnow
from hub.orgs.models import Organisation


class DeliveryStatus(StrEnum):
    """Where a delivery stands. `dead` ones wait for a coordinator's "retry"."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    DROPPED = "dropped"  # the recipient may no longer see what it was about, or the endpoint was removed


class Channel(StrEnum):
    """How a delivery leaves the hub."""

    EMAIL = "email"
    WEBHOOK = "webhook"


class Event(Base):
    """Something happened that someone may need to know: a kind and the ids it is about (JSON)."""

    __tablename__ = "notify_events"
    __table_args__ = (Index("ix_notify_events_pending", "expanded", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    created_us: Mapped[int] = mapped_column(BigInteger)
    expanded: Mapped[bool] = mapped_column(Boolean, default=False)
    # planning attempts that failed; at the worker's max_attempts the event waits for a coordinator's retry
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


class Delivery(Base):
    """One message to one recipient (a user, an address, or a webhook), sent at least once under one id."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (Index("ix_notify_deliveries_due", "status", "next_attempt_us"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4: the stable delivery id
    event_id: Mapped[int] = mapped_column(ForeignKey("notify_events.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("notify_webhooks.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(320))  # for people without an account (applicants)
    refs: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what this recipient is told about
    status: Mapped[str] = mapped_column(String(8), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_us: Mapped[int] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    created_us: Mapped[int] = mapped_column(BigInteger)
    sent_us: Mapped[int | None] = mapped_column(BigInteger)


class Webhook(Base):
    """An organisation's HTTPS endpoint; deliveries are signed with `secret` (HMAC-SHA256)."""

    __tablename__ = "notify_webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))  # the receiver must hold it too, so it cannot be a hash
    events: Mapped[str] = mapped_column(String(200))  # comma-separated event names
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    org: Mapped[Organisation] = relationship()

    @property
    def event_names(self) -> list[str]:
        """The events this endpoint receives."""
        return [name for name in self.events.split(",") if name]


class Subscription(Base):
    """A user's choice: a topic on or off, or new objects of a channel matching a filter, at once or daily.

    Topics without a row take their default (`hub.notify.topics`); "anything addressed to me" is on by
    default.
    """

    __tablename__ = "notify_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    collection_id: Mapped[str | None] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    object_type: Mapped[str | None] = mapped_column(String(250))
    max_tlp: Mapped[int | None] = mapped_column(SmallInteger)
    # found in the object's JSON, or as the search box finds it (a value, a name, a related threat: "Pegasus")
    text: Mapped[str | None] = mapped_column(String(200))
    value_kind: Mapped[str | None] = mapped_column(String(20))  # an observable kind: domain, url, ipv4…
    daily: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MemberKey(Base):
    """A member's OpenPGP public key: when present, every mail to them is encrypted to it."""

    __tablename__ = "notify_member_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    armored: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DigestItem(Base):
    """An object held for a member's daily digest (ids only; the digest re-checks visibility when sent)."""

    __tablename__ = "notify_digest_items"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("object_versions.id", ondelete="CASCADE"))
    created_us: Mapped[int] = mapped_column(BigInteger)
