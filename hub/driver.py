"""A kept read statement run on the driver's own cursor, past SQLAlchemy's execution layer.

A warm TAXII first page or lookup runs one statement that the hub built once and keeps (`hub.stix.query`,
`hub.api.service`). SQLAlchemy's `Connection.execute` still does per run what only the first run needs: it
looks the statement up in its compiled cache, sets up an execution context, begins its own (empty)
transaction on the read connection, asks the driver for the result's description and builds its rows. That
was 150 of a PostgreSQL first page's 807 Python calls and 226 of a lookup's 859 (docs/performance.md,
"Session 9"). `rows` runs a statement's first use through SQLAlchemy, compiles it on its second (a statement
used once is served by SQLAlchemy's compiled cache, cheaper than compiling it here), and from then on hands
its SQL text and parameters to the driver's cursor directly.

It keeps what SQLAlchemy's execution gives these reads:
- the parameters' bind processors and the columns' result processors, where the dialect has any, and the
  result's column names (taken from the first use's result);
- errors: a dead connection, or SQLite's SQLITE_SCHEMA, runs the statement again through `Connection.execute`
  (which invalidates the pool and answers 503, or retries in `hub.db`); any other refusal is raised as
  SQLAlchemy raises it, without a second run (a timeout must not cost the database twice). Only reads on a
  connection in autocommit come here (`hub.reads`), so running one again repeats nothing.

Everything else takes `Connection.execute` as before: statements whose text SQLAlchemy must finish per run
(expanding `IN` lists, literal-execute parameters, escaped bind names) or that compute a parameter per run
(a callable default); a run missing a required parameter (SQLAlchemy's error says which); and every run while
the engine has cursor listeners or logs its statements: listeners keep what they measure on SQLAlchemy's
execution context (Flask-SQLAlchemy's `SQLALCHEMY_RECORD_QUERIES`, tracing instrumentations), which this
path has not got.
"""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from sqlite3 import SQLITE_SCHEMA
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement compiled for one dialect, with what a run needs to bind its parameters and read rows."""

    sql: str
    positions: tuple[str, ...] | None  # the parameters' order for a positional driver (sqlite3), else None
    defaults: dict[str, Any]  # the values bound into the statement when it was built
    required: frozenset[str]  # the parameters each run must give
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


@dataclass(frozen=True, slots=True)
class _Seen:
    """A statement run once, through SQLAlchemy: the names of its result's columns."""

    names: tuple[str, ...]


# What is known of a statement, by dialect: an entry lives as long as the statement, which the callers' own
# bounded caches keep (a statement they drop takes its entry with it). None: it must go through SQLAlchemy.
_KNOWN: weakref.WeakKeyDictionary[Select[Any], dict[Dialect, _Seen | _Prepared | None]] = (
    weakref.WeakKeyDictionary()
)
_KNOWN_LOCK = threading.Lock()
_P = TypeVar("_P", _Seen, _Prepared | None)


def rows(
    connection: Connection, statement: Select[Any], parameters: Mapping[str, Any], named: bool = False
) -> Sequence[Any]:
    """All rows of `statement` with `parameters`, run on `connection`'s driver cursor: tuples, or with
    `named` tuples whose fields are the columns' names. `connection` must be in autocommit (a statement
    whose connection died is run again through SQLAlchemy, which must find no transaction it aborted).

    `statement` should be one the caller keeps and reuses: what is learnt of it is kept while it lives."""
    dialect = connection.dialect
    forms = _KNOWN.get(statement)
    seen = forms.get(dialect) if forms is not None else None
    known = (
        _remember(statement, dialect, _compile(statement, dialect, seen.names))
        if isinstance(seen, _Seen)
        else seen
    )
    if known is None or _listened(connection) or not known.required <= parameters.keys():
        first = forms is None or dialect not in forms
        return _through_sqlalchemy(connection, statement, parameters, first)
    sent = known.parameters(parameters)
    try:
        found = _run(connection, known.sql, sent)
    except dialect.loaded_dbapi.Error as error:
        if _worth_running_again(connection, error):
            return connection.execute(statement, parameters).all()  # invalidates, or retries SQLITE_SCHEMA
        raise DBAPIError.instance(
            known.sql, sent, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from None
    processed = known.processed(found)
    if named:
        make = known.row_type._make  # type: ignore[attr-defined]
        return [make(row) for row in processed]
    return processed


def _through_sqlalchemy(
    connection: Connection, statement: Select[Any], parameters: Mapping[str, Any], first: bool
) -> Sequence[Any]:
    """SQLAlchemy's run, and on a statement's first, the names of its columns for a later compile."""
    result = connection.execute(statement, parameters)
    if first:
        _remember(statement, connection.dialect, _Seen(tuple(result.keys())))
    return result.all()  # SQLAlchemy's rows: by position and by name


def _remember(statement: Select[Any], dialect: Dialect, known: _P) -> _P:
    with _KNOWN_LOCK:
        _KNOWN.setdefault(statement, {})[dialect] = known
    return known


def _listened(connection: Connection) -> bool:
    """Whether the engine has cursor listeners or logs statements (SQLAlchemy's own flag for `echo` and
    the `sqlalchemy.engine` logger)."""
    dispatch = connection.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute or connection._echo)


def _run(connection: Connection, sql: str, parameters: Any) -> list[Any]:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, parameters)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _worth_running_again(connection: Connection, error: Any) -> bool:
    """A dead connection (SQLAlchemy then invalidates the pool) or SQLite's SQLITE_SCHEMA (`hub.db` runs
    the statement once more)."""
    if getattr(error, "sqlite_errorcode", None) == SQLITE_SCHEMA:
        return True
    dbapi_connection = connection.connection.dbapi_connection
    return bool(connection.dialect.is_disconnect(error, dbapi_connection, None))


def _compile(statement: Select[Any], dialect: Dialect, names: tuple[str, ...]) -> _Prepared | None:
    """`statement` compiled for the driver, or None when SQLAlchemy must finish or bind it per run."""
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
        return None
    defaults: dict[str, Any] = {}
    binds: dict[str, Callable[[Any], Any]] = {}  # one name used twice is one parameter, processed once
    required = set()
    for bind, name in compiled.bind_names.items():
        if bind.callable is not None:
            return None
        if bind.required:
            required.add(name)
        else:
            defaults[name] = bind.value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds[name] = process
    results = []
    for position, column in enumerate(statement.selected_columns):
        try:
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        except TypeError:  # a processor that needs the driver's column type (PostgreSQL's Numeric)
            return None
        if process is not None:
            results.append((position, process))
    return _Prepared(
        sql=compiled.string,
        positions=tuple(compiled.positiontup) if compiled.positional else None,
        defaults=defaults,
        required=frozenset(required),
        binds=tuple(binds.items()),
        results=tuple(results),
        row_type=namedtuple("Row", names, rename=True),  # noqa: PYI024 (fields are known only here)
    )
