"""Proposals: changes that would widen a coordinator's own reach wait for a second coordinator (issue #10).

Revision ID: admin_proposals
Revises: 0008_forged_tlp_markings
"""

import sqlalchemy as sa
from alembic import op

revision = "admin_proposals"
down_revision = "0008_forged_tlp_markings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "admin_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_admin_proposals_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_admin_proposals_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_proposals")),
    )
    with op.batch_alter_table("admin_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_proposals_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("admin_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_proposals_status"))
    op.drop_table("admin_proposals")
