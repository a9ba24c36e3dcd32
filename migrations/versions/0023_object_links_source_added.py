"""`object_links.source_added`: the newest `date_added` of the link's source in the link's collection, and an
index on `(target_ref, source_added, relationship_type)` in place of `(target_ref, relationship_type)`, so the
search reads a threat's links newest source first instead of visiting every source (`hub.search.service`).
Existing rows are filled here, as ingest fills new ones (`hub.search.indexing`).

Revision ID: links_source_added
Revises: observables_sighting_of
"""

import sqlalchemy as sa
from alembic import op

revision = "links_source_added"
down_revision = "observables_sighting_of"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "object_links", sa.Column("source_added", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE object_links SET source_added = coalesce((SELECT max(source.date_added + 0)"
        " FROM object_versions AS link JOIN object_versions AS source"
        " ON source.collection_id = link.collection_id AND source.stix_id = object_links.source_ref"
        " WHERE link.id = object_links.version_id), 0)"
    )
    op.drop_index("ix_object_links_target", table_name="object_links")
    op.create_index(
        "ix_object_links_target_added", "object_links", ["target_ref", "source_added", "relationship_type"]
    )


def downgrade():
    op.drop_index("ix_object_links_target_added", table_name="object_links")
    op.create_index("ix_object_links_target", "object_links", ["target_ref", "relationship_type"])
    op.drop_column("object_links", "source_added")
