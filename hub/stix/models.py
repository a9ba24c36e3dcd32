"""Stored STIX object versions and the submissions (TAXII status resources) that brought them in."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from hub.db import Base, utcnow


class State(IntEnum):
    """Moderation state of a version."""

    PUBLISHED = 0
    QUARANTINED = 1
    WITHDRAWN = 2

    @property
    def label(self) -> str:
        """The state's name as shown to people."""
        return self.name.lower()


class ObjectVersion(Base):
    """One version of one STIX object in one collection. Every version is kept.

    `body` is the JSON text exactly as served (with the effective TLP marking present), so envelopes are built
    by splicing stored text instead of decoding and re-encoding every object.
    """

    __tablename__ = "object_versions"
    __table_args__ = (
        UniqueConstraint("collection_id", "date_added"),
        UniqueConstraint("collection_id", "stix_id", "version"),
        Index("ix_object_versions_stix_id", "stix_id"),
        Index("ix_object_versions_collection_type_added", "collection_id", "type", "date_added"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    stix_id: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(250))
    spec_version: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(BigInteger)  # `modified`, else `created`, else date_added; µs
    date_added: Mapped[int] = mapped_column(BigInteger)  # µs, unique and increasing within the collection
    tlp: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[int] = mapped_column(SmallInteger, default=State.PUBLISHED)
    producer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    via_feed: Mapped[str | None] = mapped_column(String(100))  # the feed that pulled it in, by name
    body: Mapped[str] = mapped_column(Text)
    # True only while no newer version of the object is stored in the collection (`hub.stix.latest`): such a
    # version is the last one every reader who sees it may see, with no need to look for newer ones.
    is_latest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Submission(Base):
    """One POST of an envelope (or an upload or import): backs the TAXII status resource."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="complete")
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[str] = mapped_column(Text, default="{}")  # JSON: successes / failures / pendings lists
    request_timestamp: Mapped[int] = mapped_column(BigInteger)  # µs
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
