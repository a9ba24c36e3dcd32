"""API tokens: a scope (read, or read and write) and an optional list of collections (issue #10).

Existing tokens keep what they could do: scope `write`, every collection.

Revision ID: token_scopes
Revises: login_delays
"""

import sqlalchemy as sa
from alembic import op

revision = "token_scopes"
down_revision = "login_delays"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=8), server_default="write", nullable=False))
        batch_op.add_column(sa.Column("collections", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("collections")
        batch_op.drop_column("scope")
