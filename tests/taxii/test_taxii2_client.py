"""The OASIS `taxii2-client` against the hub over real HTTP: its own parsing must accept every response."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import TIMEOUT, Member


class _BoundedSession(requests.Session):
    """taxii2-client sets no timeout of its own; a hung server must fail the test, not hang it."""

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


class _Bearer(requests.auth.AuthBase):
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.secret}"
        return r


@pytest.fixture(autouse=True)
def _bounded_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("taxii2client.common.requests.Session", _BoundedSession)


def connection(who: Member | None, basic: bool = False) -> Iterator[_HTTPConnection]:
    if who is None:
        conn = _HTTPConnection(version="2.1")
    elif basic:
        conn = _HTTPConnection(who.user.email, who.secret, version="2.1")
    else:
        conn = _HTTPConnection(auth=_Bearer(who.secret), version="2.1")
    yield conn
    conn.close()


@pytest.fixture
def producer_conn(hub):
    yield from connection(hub.producer, basic=True)


@pytest.fixture
def reader_conn(hub):
    yield from connection(hub.reader)


def test_discovery_api_root_and_collections(base_url, hub):
    server = Server(f"{base_url}/taxii2/", auth=_Bearer(hub.reader.secret))
    assert server.title
    root = server.default
    assert root.url == server.api_roots[0].url == f"{base_url}/taxii2/api/"
    assert "application/taxii+json;version=2.1" in root.versions
    assert root.max_content_length > 0
    titles = {c.title: (c.can_read, c.can_write) for c in root.collections}
    assert titles == {"Shared": (True, True), "Public": (True, False), "Drop box": (False, True)}
    for api_root in server.api_roots:
        api_root.close()
    server.close()


def test_add_objects_waits_for_completion_and_objects_page_with_as_pages(base_url, hub, producer_conn):
    collection = Collection(f"{base_url}/taxii2/api/collections/{hub.shared.id}/", conn=producer_conn)
    objects = [indicator(Tlp.GREEN) for _ in range(7)]
    status = collection.add_objects(
        {"objects": objects}, wait_for_completion=True, poll_interval=0.1, timeout=5
    )
    assert (status.status, status.success_count, status.failure_count) == ("complete", 7, 0)
    pages = list(as_pages(collection.get_objects, per_request=3))
    assert [len(page["objects"]) for page in pages] == [3, 3, 1]
    assert [o["id"] for page in pages for o in page["objects"]] == [o["id"] for o in objects]
    root = ApiRoot(f"{base_url}/taxii2/api/", conn=producer_conn)
    again = root.get_status(status.id)
    assert (again.total_count, again.success_count, again.pending_count) == (7, 7, 0)
    assert root.title and root.max_content_length > 0


def test_polling_with_added_after_sees_only_new_objects(base_url, hub, producer_conn, reader_conn):
    url = f"{base_url}/taxii2/api/collections/{hub.shared.id}/"
    writer, reader = Collection(url, conn=producer_conn), Collection(url, conn=reader_conn)
    writer.add_objects({"objects": [indicator(Tlp.GREEN), indicator(Tlp.AMBER)]})
    last_seen = reader.get_manifest()["objects"][-1]["date_added"]
    fresh = [indicator(Tlp.CLEAR), indicator(Tlp.GREEN)]
    writer.add_objects({"objects": fresh})
    envelope = reader.get_objects(added_after=last_seen)
    assert [o["id"] for o in envelope["objects"]] == [o["id"] for o in fresh]


def test_object_versions_manifest_and_delete(base_url, hub, producer_conn, reader_conn):
    url = f"{base_url}/taxii2/api/collections/{hub.shared.id}/"
    writer, reader = Collection(url, conn=producer_conn), Collection(url, conn=reader_conn)
    first = indicator(Tlp.GREEN)
    writer.add_objects({"objects": [first, {**first, "modified": "2026-02-01T00:00:00.000Z"}]})
    assert reader.get_object(first["id"])["objects"][0]["modified"] == "2026-02-01T00:00:00.000Z"
    assert len(reader.object_versions(first["id"])["versions"]) == 2
    assert len(reader.get_manifest(version="all")["objects"]) == 2
    with pytest.raises(requests.HTTPError) as refused:
        reader.delete_object(first["id"])
    assert refused.value.response.status_code == 403
    writer.delete_object(first["id"])
    with pytest.raises(requests.HTTPError) as gone:
        reader.get_object(first["id"])
    assert gone.value.response.status_code == 404


def test_anonymous_client_reads_public_clear_objects_only(base_url, hub, producer_conn):
    Collection(f"{base_url}/taxii2/api/collections/{hub.public.id}/", conn=producer_conn).add_objects(
        {"objects": [clear := indicator(Tlp.CLEAR), indicator(Tlp.GREEN)]}
    )
    for conn in connection(None):
        root = ApiRoot(f"{base_url}/taxii2/api/", conn=conn)
        (public,) = root.collections
        assert [o["id"] for o in public.get_objects()["objects"]] == [clear["id"]]
