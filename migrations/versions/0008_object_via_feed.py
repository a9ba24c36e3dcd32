"""Remember which feed brought an object version in, so readers see the feed as its source (issue 11, item 3).

Revision ID: 0008_object_via_feed
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_object_via_feed"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("object_versions", sa.Column("via_feed", sa.String(100), nullable=True))


def downgrade():
    with op.batch_alter_table("object_versions") as batch:
        batch.drop_column("via_feed")
