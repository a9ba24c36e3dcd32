"""The policy version counter: cached principals are valid only while it has not moved (hub.policy.version).

Revision ID: policy_version
Revises: object_links_source
"""

import sqlalchemy as sa
from alembic import op

revision = "policy_version"
down_revision = "object_links_source"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_version")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("policy_version")
