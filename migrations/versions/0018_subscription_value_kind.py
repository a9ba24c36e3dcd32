"""Subscriptions to new objects may ask for one kind of value (domains, URLs, hashes…).

Revision ID: subscription_value_kind
Revises: event_attempts
"""

import sqlalchemy as sa
from alembic import op

revision = "subscription_value_kind"
down_revision = "event_attempts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notify_subscriptions") as batch:
        batch.add_column(sa.Column("value_kind", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("notify_subscriptions") as batch:
        batch.drop_column("value_kind")
