"""Observable lookup index: one row per observable value of every stored indicator (and sighted indicator id).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "observables",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=16), nullable=False),
        sa.Column("warning", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["object_versions.id"],
            name=op.f("fk_observables_version_id_object_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observables")),
    )
    with op.batch_alter_table("observables", schema=None) as batch_op:
        batch_op.create_index("ix_observables_key", ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_observables_version_id"), ["version_id"], unique=False)


def downgrade():
    with op.batch_alter_table("observables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observables_version_id"))
        batch_op.drop_index("ix_observables_key")

    op.drop_table("observables")
