"""`hub.driver.rows` runs a kept statement on the driver's cursor. Checked against SQLAlchemy's own execution
(the reference) on the hub's real read statements; listeners still see each statement; a statement the driver
refuses raises what SQLAlchemy raises; statements SQLAlchemy must finish per run go through it; and a warm
TAXII page and lookup take the driver's path."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Integer,
    LargeBinary,
    String,
    TypeDecorator,
    bindparam,
    cast,
    column,
    event,
    exists,
    func,
    select,
    table,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError

from hub import driver, reads
from hub.api.service import lookup
from hub.db import NO_BEGIN_OPTION
from hub.extensions import db
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import IndexedObservable
from hub.stix.query import ObjectFilter, list_columns
from hub.taxii.views import BODY_COLUMNS, MANIFEST_COLUMNS
from tests.factories import indicator, make_collection, make_org, make_user, post, principal
from tests.taxii.conftest import Hub, get
from tests.taxii.conftest import post as taxii_post


@pytest.fixture
def read_connection(app: Any) -> Iterator[Connection]:
    """A connection as a read is lent one: it begins no transaction."""
    connection = db.engine.connect().execution_options(**{NO_BEGIN_OPTION: True})
    yield connection
    connection.close()


@pytest.fixture
def shared(session: Any) -> tuple[Any, str]:
    """A producer's principal and a collection holding indicators of every TLP, one with two versions."""
    producer = make_user(session, make_org(session, tier="trusted"))
    collection = make_collection(session, read=["tier:registered"], write=["tier:vetted"])
    objects = [indicator(tlp, value=f"v{i}.example") for i, tlp in enumerate([*Tlp] * 3)]
    revised = {**objects[0], "modified": "2030-01-01T00:00:00.000Z", "name": "revised"}
    post(session, producer, collection, [*objects, revised])
    session.commit()
    return principal(session, producer), collection.id


def compiled_for_the_driver(statement: Any, connection: Connection) -> bool:
    """Whether `statement` now runs on the driver's cursor on `connection`'s database."""
    known = driver._KNOWN.get(statement, {}).get(connection.dialect)
    return isinstance(known, driver._Prepared)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many statements went through SQLAlchemy's `Connection.execute` and how many to the driver."""
    counted = {"sqlalchemy": 0, "driver": 0}
    execute, run = Connection.execute, driver._run

    def through_sqlalchemy(self: Connection, *args: Any, **kwargs: Any) -> Any:
        counted["sqlalchemy"] += 1
        return execute(self, *args, **kwargs)

    def to_the_driver(*args: Any) -> Any:
        counted["driver"] += 1
        return run(*args)

    monkeypatch.setattr(Connection, "execute", through_sqlalchemy)
    monkeypatch.setattr(driver, "_run", to_the_driver)
    return counted


FILTERS = {
    "every object": ObjectFilter(),
    "indicators, all versions": ObjectFilter(types=("indicator",), versions=("all",)),
    "first versions": ObjectFilter(versions=("first",)),
    "no such type": ObjectFilter(types=("malware",)),
}


@pytest.mark.parametrize("with_version", [False, True], ids=["rows", "with the policy version"])
@pytest.mark.parametrize("columns", [BODY_COLUMNS, MANIFEST_COLUMNS], ids=["bodies", "manifest"])
@pytest.mark.parametrize("name", FILTERS)
def test_a_page_on_the_driver_is_the_page_sqlalchemy_reads(session, shared, name, columns, with_version):
    p, collection_id = shared
    pages = {}
    for lent in (False, True):
        if lent:
            reads.lend(db.engine)
        try:
            for after in (None, 0):  # from the start, and from a keyset position
                page = list_columns(session, p, collection_id, FILTERS[name], 3, after, columns, with_version)
                pages[lent, after] = (
                    [tuple(row) for row in page.items],
                    page.more,
                    page.next_after,
                    page.policy_version,
                )
        finally:
            reads.release(session)
    assert pages[True, None] == pages[False, None]
    assert pages[True, 0] == pages[False, 0]
    assert pages[True, None][0] or name == "no such type"


@pytest.mark.parametrize("with_version", [False, True], ids=["rows", "with the policy version"])
@pytest.mark.parametrize("values", [["v1.example"], ["v1.example", "v4.example", "nothing.example"]])
def test_a_lookup_on_the_driver_is_the_lookup_sqlalchemy_reads(session, shared, values, with_version):
    p, _ = shared
    found = {}
    for lent in (False, True):
        versions: list[int | None] = []
        if lent:
            reads.lend(db.engine)
        try:
            results = lookup(session, p, values, versions.append if with_version else None)
        finally:
            reads.release(session)
        found[lent] = ([(r.value, r.matches) for r in results], versions)
    assert found[True] == found[False]
    assert any(matches for _, matches in found[True][0])


class _Doubled(TypeDecorator[int]):
    """A type whose processors change values both ways, so that skipping either shows."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value * 2

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return value + 1


def test_parameters_and_columns_keep_their_processing(read_connection):
    """Bind and result processors are applied as SQLAlchemy applies them (SQLite's Boolean is an int until
    processed), and named rows carry the columns' names."""
    o = IndexedObservable
    statement = select(
        exists(select(o.id).where(o.key == bindparam("key", type_=LargeBinary))).label("found"),
        bindparam("flag", type_=Boolean).label("flag"),
        bindparam("n", type_=_Doubled).label("n"),
    )
    for parameters in ({"key": b"\x00" * 16, "flag": True, "n": 5}, {"key": b"\x01", "flag": False, "n": 0}):
        reference = [tuple(row) for row in read_connection.execute(statement, parameters)]
        assert driver.rows(read_connection, statement, parameters) == reference
        (row,) = driver.rows(read_connection, statement, parameters, named=True)
        assert (
            (row.found, row.flag, row.n)
            == reference[0]
            == (False, parameters["flag"], parameters["n"] * 2 + 1)
        )
        assert type(row.flag) is bool


def test_a_statement_sqlalchemy_must_finish_per_run_goes_through_it(session, shared, read_connection):
    statement = select(ObjectVersion.id).where(ObjectVersion.id.in_(bindparam("ids", expanding=True)))
    ids = list(session.scalars(select(ObjectVersion.id).limit(3)))
    for _ in range(3):
        assert sorted(row[0] for row in driver.rows(read_connection, statement, {"ids": ids})) == sorted(ids)
    assert not compiled_for_the_driver(statement, read_connection)


def test_a_statement_the_driver_refuses_raises_what_sqlalchemy_raises(read_connection, runs):
    """Any refusal but a dead connection (or SQLITE_SCHEMA) is raised as SQLAlchemy raises it, the
    statement sent once: a timeout, a lock or a bad value must not cost the database twice."""
    if read_connection.dialect.name == "postgresql":
        statement = select(cast(bindparam("v", type_=String), Integer).label("v"))
        good, bad, refusal = "1", "x", "invalid input syntax"
    else:
        statement = select(func.json_extract(bindparam("v", type_=String), "$.a").label("v"))
        good, bad, refusal = '{"a": 1}', "{bad", "malformed JSON"
    for _ in range(2):  # the first run through SQLAlchemy, compiled for the driver on the second
        assert driver.rows(read_connection, statement, {"v": good}) == [(1,)]
    assert compiled_for_the_driver(statement, read_connection)
    runs.update(sqlalchemy=0, driver=0)
    with pytest.raises(DBAPIError, match=refusal):
        driver.rows(read_connection, statement, {"v": bad})
    assert runs == {"sqlalchemy": 0, "driver": 1}
    assert driver.rows(read_connection, statement, {"v": good}) == [(1,)]  # the connection still works
    missing = select(table("no_such_table", column("x")))
    with pytest.raises(DBAPIError, match="no_such_table"):
        driver.rows(read_connection, missing, {})


def test_a_compiled_form_lives_as_long_as_its_statement(read_connection):
    read_connection = read_connection.execution_options(compiled_cache=None)  # SQLAlchemy's holds statements
    statement = select(bindparam("n", 2).label("n"))
    for _ in range(2):
        assert driver.rows(read_connection, statement, {}) == [(2,)]
    assert compiled_for_the_driver(statement, read_connection)
    alive = weakref.ref(statement)
    del statement
    gc.collect()
    assert alive() is None  # the cache did not keep it, and its entry went with it


def test_a_warm_page_and_lookup_run_on_the_driver(client, hub: Hub, runs):
    objects = f"collections/{hub.shared.id}/objects/"
    taxii_post(client, objects, hub.producer, {"objects": [indicator(Tlp.GREEN, value="warm.example")]})
    requests = {
        "page": lambda: get(client, objects, hub.reader),
        "lookup": lambda: client.get(
            "/api/v1/lookup", query_string={"value": "warm.example"}, headers=hub.reader.headers
        ),
    }
    for label, send in requests.items():
        for _ in range(3):  # warm: the token's principal cached, the statements built and compiled
            assert send().status_code == 200, label
        db.session.commit()
        runs.update(sqlalchemy=0, driver=0)
        assert send().status_code == 200, label
        assert runs == {"sqlalchemy": 0, "driver": 1}, label


def test_a_read_with_listeners_that_use_the_execution_context_is_answered(client, hub: Hub):
    """Flask-SQLAlchemy's query recording (`SQLALCHEMY_RECORD_QUERIES`) and tracing instrumentations keep
    what they measure on the execution context of the cursor events: such a read runs through SQLAlchemy."""
    objects = f"collections/{hub.shared.id}/objects/"
    taxii_post(client, objects, hub.producer, {"objects": [indicator(Tlp.GREEN, value="ctx.example")]})

    def start(_conn: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        context.hub_test_started = True

    def end(_conn: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        assert context.hub_test_started

    event.listen(db.engine, "before_cursor_execute", start)
    event.listen(db.engine, "after_cursor_execute", end)
    try:
        for _ in range(3):
            assert get(client, objects, hub.reader).status_code == 200
            lookup = client.get(
                "/api/v1/lookup", query_string={"value": "ctx.example"}, headers=hub.reader.headers
            )
            assert lookup.status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", start)
        event.remove(db.engine, "after_cursor_execute", end)


def test_a_statement_used_once_is_not_compiled_for_the_driver(read_connection):
    """A statement built for one request (the page cache full, a filter that varies) is served by
    SQLAlchemy's compiled cache; compiling it for the driver would cost more than the run."""
    statement = select(bindparam("once", 1).label("once"))
    assert driver.rows(read_connection, statement, {}) == [(1,)]
    assert not compiled_for_the_driver(statement, read_connection)
    assert driver.rows(read_connection, statement, {}) == [(1,)]
    assert compiled_for_the_driver(statement, read_connection)


def test_the_driver_binds_as_sqlalchemy_binds(read_connection):
    """One name used twice is processed once; unnamed columns keep SQLAlchemy's names; a callable default
    is called on every run; a missing parameter is SQLAlchemy's error."""
    statements = {
        "one name twice": (
            select(bindparam("n", type_=_Doubled).label("a"), bindparam("n", type_=_Doubled).label("b")),
            {"n": 5},
        ),
        "unnamed columns": (select(func.count(), bindparam("u", 3, type_=Integer)), {}),
    }
    for label, (statement, parameters) in statements.items():
        for _ in range(3):  # through SQLAlchemy, then compiled, then on the driver
            expected = read_connection.execute(statement, parameters)
            names, values = tuple(expected.keys()), [tuple(row) for row in expected]
            found = driver.rows(read_connection, statement, parameters, named=True)
            assert ([tuple(row) for row in found], found[0]._fields) == (values, names), label
    counter = iter(range(100))
    called = select(bindparam("c", callable_=lambda: next(counter)).label("c"))
    assert [driver.rows(read_connection, called, {}) for _ in range(3)] == [[(0,)], [(1,)], [(2,)]]
    required = select(bindparam("r", type_=Integer).label("r"))
    for _ in range(3):
        with pytest.raises(StatementError, match="'r'"):
            driver.rows(read_connection, required, {})
