"""Users: progressive login delays instead of a lockout, and the time of the last failure for the owner.

`locked_until` becomes `login_not_before` (a delay of at most 30 s, no longer a 15-minute lockout a stranger
could trigger); `last_failed_login_at` lets the owner see when their account was last tried.

Revision ID: login_delays
Revises: intake_handles
"""

import sqlalchemy as sa
from alembic import op

revision = "login_delays"
down_revision = "intake_handles"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("locked_until", new_column_name="login_not_before", existing_type=sa.DateTime())
        batch_op.add_column(sa.Column("last_failed_login_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_failed_login_at")
        batch_op.alter_column("login_not_before", new_column_name="locked_until", existing_type=sa.DateTime())
