"""What search reads besides `object_versions`: each version's searchable text, and each relationship's ends.

`search_text` holds one row per version that has a name, description, labels or aliases. On SQLite an FTS5
table with the trigram tokenizer (`search_fts`, external content over `search_text`, kept in step by triggers)
answers substring matches; on PostgreSQL a `pg_trgm` GIN index on `search_text.text` answers `ILIKE`. Both are
created by migration 0016_search and are not models (see `hub.extensions.SCHEMA_EXTRAS`).

`object_links` holds the `relationship_type`, `source_ref` and `target_ref` of every relationship version, so
"the indicators that indicate Pegasus" is an indexed join rather than a scan of JSON bodies, and
`source_added`: the newest `date_added` of the source's versions stored in the link's collection (0 while
none is), so the search can read a threat's links newest source first (`ix_object_links_target_added`)
without visiting every source. Ingest keeps it (`hub.search.indexing`); a deletion may leave it higher than
the newest remaining version, never lower: it is an upper bound of the date of every version of the source in
that collection, which is all the search relies on.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

_ID = BigInteger().with_variant(Integer, "sqlite")


class SearchText(Base):
    """The searchable text of one object version (table `search_text`)."""

    __tablename__ = "search_text"

    version_id: Mapped[int] = mapped_column(
        _ID, ForeignKey("object_versions.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)


class ObjectLink(Base):
    """The ends of one relationship version (table `object_links`)."""

    __tablename__ = "object_links"
    __table_args__ = (
        Index("ix_object_links_target_added", "target_ref", "source_added", "relationship_type"),
        Index("ix_object_links_source", "source_ref", "relationship_type"),
    )

    version_id: Mapped[int] = mapped_column(
        _ID, ForeignKey("object_versions.id", ondelete="CASCADE"), primary_key=True
    )
    relationship_type: Mapped[str] = mapped_column(String(250))
    source_ref: Mapped[str] = mapped_column(String(300))
    target_ref: Mapped[str] = mapped_column(String(300))
    source_added: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
