"""A kept read statement run on the driver's own cursor, past SQLAlchemy's execution layer.

A warm TAXII first page or lookup runs one statement that the hub built once and keeps (`hub.stix.query`,
`hub.api.service`). SQLAlchemy's `Connection.execute` still does per run what only the first run needs: it
looks the statement up in its compiled cache, sets up an execution context, begins its own (empty)
transaction on the read connection, asks the driver for the result's description and builds its rows. That
was 150 of a PostgreSQL first page's 807 Python calls and 226 of a lookup's 859 (docs/performance.md,
"Session 9"). `rows` compiles a statement once, with the connection's dialect, and then hands its SQL text
and parameters to the driver's cursor directly.

It keeps what SQLAlchemy's execution gives these reads:
- the parameters' bind processors and the columns' result processors, where the dialect has any;
- `before_cursor_execute` and `after_cursor_execute` listeners, which see each statement as before;
- errors: a statement the driver refuses runs again through `Connection.execute`, which raises what it
  always raised (a dead connection invalidates the pool and answers 503; SQLite's SQLITE_SCHEMA is run once
  more by `hub.db`). Only reads on a connection in autocommit come here (`hub.reads`), so running one again
  repeats nothing.

Statements whose text SQLAlchemy must finish per run (expanding `IN` lists, literal-execute parameters,
escaped bind names) always take `Connection.execute`.
"""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement compiled for one dialect, with what a run needs to bind its parameters and read rows."""

    sql: str
    positions: tuple[str, ...] | None  # the parameters' order for a positional driver (sqlite3), else None
    defaults: dict[str, Any]  # the values bound into the statement when it was built
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # bind processors, by parameter name
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # result processors, by column position
    row_type: type[tuple[Any, ...]]  # rows with the columns' names, for callers that ask for them

    def parameters(self, given: Mapping[str, Any]) -> Any:
        """The driver's parameters: the built-in values and `given`, processed, in the driver's style."""
        values = {**self.defaults, **given} if given else dict(self.defaults)
        for name, process in self.binds:
            values[name] = process(values[name])
        if self.positions is None:
            return values
        return [values[name] for name in self.positions]

    def processed(self, found: list[Any]) -> list[Any]:
        """The driver's rows with the result processors applied (none on the hub's hot statements)."""
        if not self.results:
            return found
        out = []
        for row in found:
            values = list(row)
            for position, process in self.results:
                values[position] = process(values[position])
            out.append(tuple(values))
        return out


# Compiled forms by statement, then dialect name: an entry lives as long as the statement it was compiled
# from, which the callers' own bounded caches keep (a statement they drop takes its entry with it).
_PREPARED: weakref.WeakKeyDictionary[Select[Any], dict[str, _Prepared | None]] = weakref.WeakKeyDictionary()
_PREPARED_LOCK = threading.Lock()


def rows(
    connection: Connection, statement: Select[Any], parameters: Mapping[str, Any], named: bool = False
) -> Sequence[Any]:
    """All rows of `statement` with `parameters`, run on `connection`'s driver cursor: tuples, or with
    `named` tuples whose fields are the columns' names. `connection` must be in autocommit (a failed
    statement is run again through SQLAlchemy, which must find no transaction it aborted).

    `statement` should be one the caller keeps and reuses: its compiled form is kept while it lives."""
    prepared = _prepared(statement, connection.dialect)
    if prepared is None:
        return connection.execute(statement, parameters).all()
    driver_parameters = prepared.parameters(parameters)
    try:
        found = _run(connection, prepared.sql, driver_parameters)
    except connection.dialect.loaded_dbapi.Error:
        return connection.execute(statement, parameters).all()  # raises as SQLAlchemy always did
    processed = prepared.processed(found)
    if named:
        make = prepared.row_type._make  # type: ignore[attr-defined]
        return [make(row) for row in processed]
    return processed


def _run(connection: Connection, sql: str, parameters: Any) -> list[Any]:
    dispatch = connection.dispatch
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
        cursor.execute(sql, parameters)
        found = list(cursor.fetchall())
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, False)
        return found
    finally:
        cursor.close()


def _prepared(statement: Select[Any], dialect: Dialect) -> _Prepared | None:
    """`statement` compiled for `dialect`, once; None when its text must be finished per run by SQLAlchemy."""
    forms = _PREPARED.get(statement)
    if forms is not None and dialect.name in forms:
        return forms[dialect.name]
    prepared = _compile(statement, dialect)
    with _PREPARED_LOCK:
        _PREPARED.setdefault(statement, {})[dialect.name] = prepared
    return prepared


def _compile(statement: Select[Any], dialect: Dialect) -> _Prepared | None:
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
        return None
    defaults, binds = {}, []
    for bind, name in compiled.bind_names.items():
        if not bind.required:
            defaults[name] = bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((name, process))
    columns = list(statement.selected_columns)
    results = []
    for position, column in enumerate(columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            results.append((position, process))
    names = [str(column.key) for column in columns]
    return _Prepared(
        sql=compiled.string,
        positions=tuple(compiled.positiontup) if compiled.positional else None,
        defaults=defaults,
        binds=tuple(binds),
        results=tuple(results),
        row_type=namedtuple("Row", names, rename=True),  # noqa: PYI024 (fields are known only here)
    )
