"""Federation feeds: remote TAXII collections paired with local ones, with cursors and encrypted credentials.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("api_root_url", sa.String(length=500), nullable=False),
        sa.Column("remote_collection_id", sa.String(length=300), nullable=False),
        sa.Column("local_collection_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("auth_kind", sa.String(length=8), nullable=False),
        sa.Column("username", sa.String(length=320), nullable=True),
        sa.Column("secret_ciphertext", sa.Text(), nullable=True),
        sa.Column("tlp_max", sa.SmallInteger(), nullable=False),
        sa.Column("is_community", sa.Boolean(), nullable=False),
        sa.Column("pull_cursor", sa.String(length=40), nullable=True),
        sa.Column("push_cursor", sa.BigInteger(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["local_collection_id"],
            ["collections.id"],
            name=op.f("fk_feeds_local_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feeds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("name", name=op.f("uq_feeds_name")),
    )
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feeds_local_collection_id"), ["local_collection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feeds_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feeds_user_id"))
        batch_op.drop_index(batch_op.f("ix_feeds_local_collection_id"))

    op.drop_table("feeds")
