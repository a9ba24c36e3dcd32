"""Substring search over `search_text`, through each database's full-text index (migration 0016_search).

SQLite: the FTS5 trigram table `search_fts` (case-insensitive substring match of three characters or more; the
text is quoted as one FTS5 string, so no query syntax gets through). PostgreSQL: `ILIKE '%text%'`, answered by
the `pg_trgm` GIN index. Both give the same answers: every version whose text contains the query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, column, select, table
from sqlalchemy.orm import Session

from hub.search.models import SearchText

AnySelect = Select[*tuple[Any, ...]]
_FTS = table("search_fts", column("rowid", Integer), column("search_fts"))


def contains(session: Session, text: str) -> AnySelect:
    """Select the ids of the versions whose searchable text contains `text` (three characters or more)."""
    if session.get_bind().dialect.name == "postgresql":
        return select(SearchText.version_id).where(SearchText.text.icontains(text, autoescape=True))
    return select(_FTS.c.rowid).where(_FTS.c.search_fts.op("MATCH")(_quoted(text)))


def contained_in(session: Session, text: str, version_id: Any) -> ColumnElement[bool]:
    """SQL condition, row by row: the version `version_id` (a column) has `text` in its searchable text.
    For reading rows in another index's order and stopping early, where `contains` would first collect
    every version with the text (on PostgreSQL; SQLite's FTS5 answers best by collecting them once)."""
    if session.get_bind().dialect.name == "postgresql":
        # a scalar sub-select, looked up by key for each row; as EXISTS, PostgreSQL may hash every version
        # with the text first (0.25 s for a word in 100,000 names), however few rows the reading needs
        own = select(SearchText.text).where(SearchText.version_id == version_id).scalar_subquery()
        return own.icontains(text, autoescape=True)
    # SQLite runs the whole FTS5 query again for each row given `rowid = ?` (26 s for a word in 20,000
    # names); as IN it collects the matches once into a temporary index and looks each row up there
    return version_id.in_(contains(session, text).scalar_subquery())  # type: ignore[no-any-return]


def _quoted(text: str) -> str:
    """The text as one FTS5 string: no query syntax gets through."""
    return '"' + text.replace('"', '""') + '"'
