"""`object_versions.is_latest`: true only while no newer version of the object is stored in its collection
(`hub.stix.latest`), so `match[version]=last` needs no probe for newer versions on the rows that have none.
Existing rows are flagged here, as ingest flags new ones.

Revision ID: latest_version
Revises: policy_version
"""

import sqlalchemy as sa
from alembic import op

revision = "latest_version"
down_revision = "policy_version"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "object_versions", sa.Column("is_latest", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute(
        "UPDATE object_versions SET is_latest = true WHERE NOT EXISTS (SELECT 1 FROM object_versions AS newer"
        " WHERE newer.collection_id = object_versions.collection_id"
        " AND newer.stix_id = object_versions.stix_id AND newer.version > object_versions.version)"
    )


def downgrade():
    op.drop_column("object_versions", "is_latest")
