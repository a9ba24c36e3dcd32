"""Rate-limit counters in the database, so that every worker and instance counts against the same limit.

Revision ID: rate_limit_counters
Revises: admin_proposals
"""

import sqlalchemy as sa
from alembic import op

revision = "rate_limit_counters"
down_revision = "admin_proposals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
    )
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_counters_expires_at"), ["expires_at"], unique=False)


def downgrade():
    op.drop_table("rate_limit_counters")
