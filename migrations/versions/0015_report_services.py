"""Reports name the services involved (WhatsApp, Gmail…, member of the hub or not), in clear, for the
per-platform figures.

Revision ID: report_services
Revises: notifications
"""

import sqlalchemy as sa
from alembic import op

revision = "report_services"
down_revision = "notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("services", sa.String(length=300), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("services")
