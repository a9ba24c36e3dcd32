"""`hub.db.insert_rows`: every row arrives as given, on SQLite in few multi-row statements (FTS5 writes one
index segment per statement: one statement per row made the search index's insert cost five times as much)."""

from __future__ import annotations

from sqlite3 import SQLITE_LIMIT_VARIABLE_NUMBER

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, Text, select

from hub.db import SQLITE_ROWS_PER_INSERT, insert_rows

_PROBE = Table(
    "insert_rows_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("text", Text),
    Column("data", LargeBinary, nullable=True),
    prefixes=["TEMPORARY"],
)


def _rows(n: int) -> list[dict[str, object]]:
    return [
        {"id": i, "text": f"it's row {i}\n\\N\t", "data": bytes([i % 256]) if i % 3 else None}
        for i in range(n)
    ]


def _statements(session, rows, limit: int | None = None) -> list[str]:
    connection = session.connection()
    _PROBE.create(connection)
    driver = connection.connection.driver_connection
    sent: list[str] = []
    if connection.dialect.name == "sqlite":
        if limit is not None:
            driver.setlimit(SQLITE_LIMIT_VARIABLE_NUMBER, limit)
        driver.set_trace_callback(sent.append)
    try:
        insert_rows(session, _PROBE, rows)
    finally:
        if connection.dialect.name == "sqlite":
            driver.set_trace_callback(None)
            driver.setlimit(SQLITE_LIMIT_VARIABLE_NUMBER, 32766)
    return [statement for statement in sent if statement.startswith("INSERT")]


def test_every_row_arrives_as_given_in_few_statements(session):
    rows = _rows(2 * SQLITE_ROWS_PER_INSERT + 1)
    sent = _statements(session, rows)
    stored = session.execute(select(_PROBE).order_by(_PROBE.c.id)).mappings().all()
    assert [dict(row) for row in stored] == rows
    if session.get_bind().dialect.name == "sqlite":
        assert len(sent) == 3  # 500 + 500 + 1 rows, not 1,001 statements
    _PROBE.drop(session.connection())


def test_sqlite_statements_stay_within_the_parameter_limit(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("COPY sends no parameters")
    rows = _rows(10)
    sent = _statements(session, rows, limit=7)  # two rows of three columns per statement
    assert len(sent) == 5
    assert [dict(row) for row in session.execute(select(_PROBE).order_by(_PROBE.c.id)).mappings()] == rows
    _PROBE.drop(session.connection())
