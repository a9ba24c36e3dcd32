"""An index on the source end of relationships: the lookup's context and browse's folded rows ask "what does
this indicator indicate", by `source_ref`; without it each asked id scans `object_links`.

Revision ID: object_links_source
Revises: subscription_value_kind
"""

from alembic import op

revision = "object_links_source"
down_revision = "subscription_value_kind"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_object_links_source", "object_links", ["source_ref", "relationship_type"])


def downgrade():
    op.drop_index("ix_object_links_source", table_name="object_links")
