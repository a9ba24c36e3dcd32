"""A feed: one remote TAXII 2.1 collection paired with a local one, with cursors and credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.orgs.models import User
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection


class Feed(Base):
    """Pull (`hub feed sync`) from `remote_collection_id` into `local_collection_id`, push (`hub feed push`)
    the other way, acting locally as `user`. Credentials are stored encrypted (see `service`)."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    api_root_url: Mapped[str] = mapped_column(String(500))
    remote_collection_id: Mapped[str] = mapped_column(String(300))
    local_collection_id: Mapped[str] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    auth_kind: Mapped[str] = mapped_column(String(8), default="none")  # none | basic | token
    username: Mapped[str | None] = mapped_column(String(320))
    secret_ciphertext: Mapped[str | None] = mapped_column(Text)
    tlp_max: Mapped[int] = mapped_column(SmallInteger, default=Tlp.AMBER)
    is_community: Mapped[bool] = mapped_column(Boolean, default=False)
    # The remote's X-TAXII-Date-Added-Last of the last committed page, sent back as `added_after`.
    pull_cursor: Mapped[str | None] = mapped_column(String(40))
    # The local `date_added` (µs) of the last object sent by a push.
    push_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    collection: Mapped[Collection] = relationship()
    user: Mapped[User] = relationship()
