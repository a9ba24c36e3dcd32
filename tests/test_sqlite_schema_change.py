"""SQLite 3.40 to 3.46 with foreign keys on: after another process changed the schema, a `DELETE` of
`search_text` rows (directly, or by cascade from `object_versions`) that was the first statement to see the
change, as when it starts a transaction, failed once with "no such table" (SQLITE_SCHEMA) if the connection
had not used the search index since it last read the schema. The hub's connections run it again (`hub.db`);
the failed attempt ran nothing, so nothing is deleted twice."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import delete, func, select, text

from hub.extensions import db
from hub.policy.tlp import Tlp
from hub.search.models import SearchText
from hub.stix.models import ObjectVersion
from tests.factories import indicator, make_collection, make_org, make_user, post

# Another process changes the schema and leaves it as it was (the test database is shared by the tests).
CHANGE_SCHEMA = (
    "import sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('CREATE TABLE schema_change_probe (x)')\n"
    "c.execute('DROP TABLE schema_change_probe')\n"
)


@pytest.fixture
def stored(session):
    """Two indicators with search rows; then the pool's connections are closed and a new one reads the
    database without using the search index (as a serving worker's, when `hub import` stores the first
    objects), and another process changes the schema."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("a fault of SQLite's")
    user = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    post(session, user, collection, [indicator(Tlp.GREEN), indicator(Tlp.GREEN)])
    session.remove()
    db.engine.dispose()
    assert session.scalar(select(func.count()).select_from(SearchText)) == 2
    session.commit()
    subprocess.run([sys.executable, "-c", CHANGE_SCHEMA, session.get_bind().url.database], check=True)


def _search_index_intact(session) -> None:
    session.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))


def test_deleting_search_rows_first_after_another_process_changed_the_schema(session, stored):
    assert session.execute(delete(SearchText)).rowcount == 2
    session.commit()
    assert session.scalar(select(func.count()).select_from(SearchText)) == 0
    _search_index_intact(session)


def test_deleting_versions_first_after_another_process_changed_the_schema(session, stored):
    assert session.execute(delete(ObjectVersion)).rowcount == 2
    session.commit()
    assert session.scalar(select(func.count()).select_from(SearchText)) == 0
    _search_index_intact(session)
