"""TAXII test fixtures: a small hub (organisations, users with tokens, collections) and request helpers."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from hub.extensions import db
from hub.orgs.models import User
from hub.orgs.tokens import issue_token
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from tests.factories import make_collection, make_org, make_user
from tests.serving import serving

TAXII = "application/taxii+json;version=2.1"
TIMEOUT = 10
ROOT = "/taxii2/api"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """TAXII tests authenticate with API tokens; argon2 at full cost would only slow building their users."""
    monkeypatch.setattr(
        "hub.orgs.passwords._hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@dataclass
class Member:
    """A user and the API token secret it authenticates with."""

    user: User
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    @property
    def basic(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self.user.email}:{self.secret}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}


def member(session: Session, tier: str = "vetted", role: str = "member", org: Any = None) -> Member:
    """A user of a (new, unless given) organisation at `tier`, with a fresh API token."""
    user = make_user(session, org or make_org(session, tier=tier), role=role)
    secret = issue_token(session, None, user).secret
    session.commit()
    return Member(user, secret)


@dataclass
class Hub:
    """Producer (vetted), reader (vetted, other org), registered member, and three collections."""

    producer: Member
    reader: Member
    registered: Member
    shared: Collection
    public: Collection
    drop_box: Collection


@pytest.fixture
def hub(session: Session) -> Hub:
    producer = member(session)
    reader = member(session)
    registered = member(session, tier="registered")
    shared = make_collection(session, read=["tier:registered"], write=["tier:vetted"], title="Shared")
    public = make_collection(
        session,
        read=["public"],
        write=[f"org:{producer.user.org.name}"],
        default_tlp=Tlp.CLEAR,
        title="Public",
    )
    drop_box = make_collection(
        session, read=[f"org:{producer.user.org.name}"], write=["tier:registered"], title="Drop box"
    )
    session.commit()
    return Hub(producer, reader, registered, shared, public, drop_box)


def get(client: FlaskClient, path: str, who: Member | None = None, **kwargs: Any) -> TestResponse:
    """GET a TAXII path (relative to the API root unless it starts with /) with the TAXII Accept header."""
    headers = {"Accept": TAXII, **(who.headers if who else {}), **kwargs.pop("headers", {})}
    return client.get(path if path.startswith("/") else f"{ROOT}/{path}", headers=headers, **kwargs)


def post(client: FlaskClient, path: str, who: Member | None, body: Any, **kwargs: Any) -> TestResponse:
    """POST JSON with the TAXII media types."""
    headers = {"Accept": TAXII, "Content-Type": TAXII, **(who.headers if who else {})}
    headers.update(kwargs.pop("headers", {}))
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    url = path if path.startswith("/") else f"{ROOT}/{path}"
    return client.post(url, headers=headers, data=data, **kwargs)


def assert_taxii_error(response: TestResponse, status: int) -> dict[str, Any]:
    """The response is a TAXII error resource with this status, in the TAXII media type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == TAXII
    body: dict[str, Any] = response.get_json(force=True)
    assert body["title"] and body["http_status"] == str(status)
    return body


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    """The app (and so the test database) served over HTTP on a free local port for the test's duration."""
    with serving(make_server("127.0.0.1", 0, app, threaded=True)) as url:
        yield url


def statements_sent(fn: Callable[[], Any]) -> list[str]:
    """The SQL statements the current app's engine sent while `fn` ran (on PostgreSQL, its round trips)."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return sent
