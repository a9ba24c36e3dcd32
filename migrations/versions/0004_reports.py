"""Incident reports: reports, their platforms, message threads, escalations, and helpline designations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "helplines",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("designated_at", sa.DateTime(), nullable=False),
        sa.Column("designated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["designated_by_id"], ["users.id"], name=op.f("fk_helplines_designated_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_helplines_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_helplines")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("may_share", sa.Boolean(), nullable=False),
        sa.Column("share_max_tlp", sa.SmallInteger(), nullable=True),
        sa.Column("may_escalate", sa.Boolean(), nullable=False),
        sa.Column("has_contact", sa.Boolean(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("published_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("triaged_at", sa.DateTime(), nullable=True),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_reports_assignee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_reports_receipt_hash")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_status"), ["status"], unique=False)

    op.create_table(
        "report_platforms",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_report_platforms_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_platforms_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "org_id", name=op.f("pk_report_platforms")),
    )
    op.create_table(
        "report_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_messages_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_report_messages_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_messages")),
    )
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_messages_report_id"), ["report_id"], unique=False)

    op.create_table(
        "report_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("platform_org_id", sa.Integer(), nullable=False),
        sa.Column("escalated_by_id", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(), nullable=False),
        sa.Column("sealed_request", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("sealed_answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_report_escalations_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["escalated_by_id"], ["users.id"], name=op.f("fk_report_escalations_escalated_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["platform_org_id"],
            ["organisations.id"],
            name=op.f("fk_report_escalations_platform_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_escalations_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_escalations")),
    )
    with op.batch_alter_table("report_escalations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_escalations_platform_org_id"), ["platform_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_report_escalations_report_id"), ["report_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_escalations_report_id"))
        batch_op.drop_index(batch_op.f("ix_report_escalations_platform_org_id"))
    op.drop_table("report_escalations")
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_messages_report_id"))
    op.drop_table("report_messages")
    op.drop_table("report_platforms")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_status"))
        batch_op.drop_index(batch_op.f("ix_reports_created_at"))
        batch_op.drop_index(batch_op.f("ix_reports_category"))
        batch_op.drop_index(batch_op.f("ix_reports_assignee_id"))
    op.drop_table("reports")
    op.drop_table("helplines")
