"""Let autovacuum refresh planner statistics of the big tables after 1 % of change instead of 10 %.

A TAXII page query walks the (collection_id, date_added) index only when the planner knows the table is large;
with stale statistics it sorts the whole collection instead (docs/performance.md, "the first page right after a
bulk load"). PostgreSQL only; SQLite's planner needs no statistics for these plans.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("object_versions", "observables")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 1000)"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} RESET (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)"
        )
