"""A partial index on the `sighting-of` rows of `observables` by value (the sighted indicator's id): a lookup
counts each match's sightings inside its matches statement, correlated on the indicator's id, instead of a
second statement over digests computed in Python (a round trip on PostgreSQL). Indicators' observables are
not in it, so ingest of indicators does not write it.

Revision ID: observables_sighting_of
Revises: latest_version
"""

import sqlalchemy as sa
from alembic import op

revision = "observables_sighting_of"
down_revision = "latest_version"
branch_labels = None
depends_on = None

WHERE = sa.text("kind = 'sighting-of'")


def upgrade():
    op.create_index(
        "ix_observables_sighting_of", "observables", ["value"], sqlite_where=WHERE, postgresql_where=WHERE
    )


def downgrade():
    op.drop_index("ix_observables_sighting_of", table_name="observables")
