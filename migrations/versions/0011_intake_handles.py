"""Intake handles: hashed per-form nonces (idempotent report and follow-up submissions) and, for a short time,
the sealed receipt code the receipt page shows after POST/redirect/GET.

Revision ID: intake_handles
Revises: rate_limit_counters
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_handles"
down_revision = "rate_limit_counters"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_handles",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_code", sa.Text(), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce_hash", name=op.f("pk_intake_handles")),
    )
    op.create_index(op.f("ix_intake_handles_expires_at"), "intake_handles", ["expires_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_intake_handles_expires_at"), table_name="intake_handles")
    op.drop_table("intake_handles")
