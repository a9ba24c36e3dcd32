"""Search: each version's searchable text and each relationship's ends, with a full-text index per database.

SQLite: an FTS5 table with the trigram tokenizer over `search_text` (external content, kept in step by
triggers), so a search is a substring match like PostgreSQL's. PostgreSQL: a `pg_trgm` GIN index on
`search_text.text`, which answers `ILIKE '%…%'`. Existing objects are indexed here (hub.search.indexing).

Revision ID: search
Revises: report_services
"""

import orjson
import sqlalchemy as sa
from alembic import op

from hub.search.indexing import searchable_text

revision = "search"
down_revision = "report_services"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_text', content_rowid='version_id', "
    "tokenize='trigram')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_text BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.version_id, new.text); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_text BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.version_id, old.text); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_text BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.version_id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.version_id, new.text); END",
)
POSTGRESQL_TRIGRAM = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_search_text_trigram ON search_text USING gin (text gin_trgm_ops)",
)


def upgrade():
    op.create_table(
        "search_text",
        sa.Column(
            "version_id", _ID, sa.ForeignKey("object_versions.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_table(
        "object_links",
        sa.Column(
            "version_id", _ID, sa.ForeignKey("object_versions.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("relationship_type", sa.String(250), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=False),
        sa.Column("target_ref", sa.String(300), nullable=False),
    )
    op.create_index("ix_object_links_target", "object_links", ["target_ref", "relationship_type"])
    bind = op.get_bind()
    for statement in SQLITE_FTS if bind.dialect.name == "sqlite" else POSTGRESQL_TRIGRAM:
        op.execute(statement)
    _index_existing(bind)


def _index_existing(bind):
    """Index every stored version, a thousand at a time."""
    versions = sa.table("object_versions", sa.column("id"), sa.column("body"))
    texts = sa.table("search_text", sa.column("version_id"), sa.column("text"))
    links = sa.table(
        "object_links",
        sa.column("version_id"),
        sa.column("relationship_type"),
        sa.column("source_ref"),
        sa.column("target_ref"),
    )
    after = 0
    while True:
        batch = bind.execute(
            sa.select(versions.c.id, versions.c.body)
            .where(versions.c.id > after)
            .order_by(versions.c.id)
            .limit(1000)
        ).all()
        if not batch:
            return
        text_rows, link_rows = [], []
        for version_id, body in batch:
            obj = orjson.loads(body)
            text = searchable_text(obj)
            if text:
                text_rows.append({"version_id": version_id, "text": text})
            ends = [obj.get(key) for key in ("relationship_type", "source_ref", "target_ref")]
            if obj.get("type") == "relationship" and all(isinstance(end, str) for end in ends):
                link_rows.append(
                    dict(
                        zip(("relationship_type", "source_ref", "target_ref"), ends, strict=True),
                        version_id=version_id,
                    )
                )
        if text_rows:
            bind.execute(texts.insert(), text_rows)
        if link_rows:
            bind.execute(links.insert(), link_rows)
        after = batch[-1][0]


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_fts_insert", "search_fts_delete", "search_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_text_trigram")
    op.drop_index("ix_object_links_target", table_name="object_links")
    op.drop_table("object_links")
    op.drop_table("search_text")
