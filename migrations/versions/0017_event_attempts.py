"""Outbox events count failed planning attempts, so one event that cannot be planned no longer stops the
worker from telling anybody anything; after the worker's attempts it waits for a coordinator's retry.

Revision ID: event_attempts
Revises: search
"""

import sqlalchemy as sa
from alembic import op

revision = "event_attempts"
down_revision = "search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notify_events") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("notify_events") as batch:
        batch.drop_column("last_error")
        batch.drop_column("attempts")
