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
    TypeDecorator,
    bindparam,
    column,
    event,
    exists,
    select,
    table,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

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
    assert driver._prepared(statement, read_connection.dialect) is None
    assert sorted(row[0] for row in driver.rows(read_connection, statement, {"ids": ids})) == sorted(ids)


def test_a_statement_the_driver_refuses_raises_what_sqlalchemy_raises(read_connection):
    statement = select(table("no_such_table", column("x")))
    with pytest.raises(DBAPIError, match="no_such_table"):
        driver.rows(read_connection, statement, {})
    assert driver.rows(read_connection, select(bindparam("one", 1)), {}) == [(1,)]  # still usable


def test_listeners_see_the_statement_and_its_parameters(read_connection):
    seen: list[tuple[str, str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append(("before", statement, parameters))

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append(("after", statement, parameters))

    statement = select(bindparam("a", type_=LargeBinary).label("a"))
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        driver.rows(read_connection, statement, {"a": b"x"})
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    assert [kind for kind, _, _ in seen] == ["before", "after"]
    assert seen[0][1] == seen[1][1] and "SELECT" in seen[0][1]


def test_a_compiled_form_lives_as_long_as_its_statement(read_connection):
    statement = select(bindparam("n", 2).label("n"))
    assert driver.rows(read_connection, statement, {}) == [(2,)]
    assert statement in driver._PREPARED
    alive = weakref.ref(statement)
    del statement
    gc.collect()
    assert alive() is None  # the cache did not keep it, and its entry went with it


def test_a_warm_page_and_lookup_run_on_the_driver(client, hub: Hub):
    """SQLAlchemy's `before_execute` fires for every statement it executes; the driver's path skips it,
    while the cursor's listeners still see the one statement."""
    objects = f"collections/{hub.shared.id}/objects/"
    taxii_post(client, objects, hub.producer, {"objects": [indicator(Tlp.GREEN, value="warm.example")]})
    requests = {
        "page": lambda: get(client, objects, hub.reader),
        "lookup": lambda: client.get(
            "/api/v1/lookup", query_string={"value": "warm.example"}, headers=hub.reader.headers
        ),
    }
    executed: list[str] = []
    sent: list[str] = []
    note_executed = lambda _conn, clause, *_: executed.append(str(clause))  # noqa: E731
    note_sent = lambda _conn, _cursor, statement, *_: sent.append(statement)  # noqa: E731
    for label, send in requests.items():
        for _ in range(3):  # warm: the token's principal cached, the statements built
            assert send().status_code == 200, label
        db.session.commit()
        event.listen(db.engine, "before_execute", note_executed)
        event.listen(db.engine, "before_cursor_execute", note_sent)
        try:
            assert send().status_code == 200, label
        finally:
            event.remove(db.engine, "before_execute", note_executed)
            event.remove(db.engine, "before_cursor_execute", note_sent)
        assert (executed, len(sent)) == ([], 1), label
        sent.clear()
