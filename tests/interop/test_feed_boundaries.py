"""Issue 11, items 5-10: feeds against a misbehaving upstream, a real HTTP server on 127.0.0.1.

Each upstream answers the TAXII collection resource, then whatever the test scripts for `objects/`:
`more: true` for ever, a huge body, a drip of bytes, a redirect to another local service, control
characters in its reason phrase. Upstreams stop misbehaving after a while, so a regression fails instead
of hanging.
"""

from __future__ import annotations

import json
import time
from itertools import count

from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from hub.interop.feeds.models import Feed
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from tests.factories import indicator
from tests.net.upstream import upstream

TAXII = "application/taxii+json;version=2.1"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"


def taxii(objects_answer):
    """An upstream: the collection resource, and `objects_answer(request)` for GET objects."""

    def handler(request: Request) -> Response:
        if request.path.endswith("/objects/"):
            return objects_answer(request)
        info = {"id": COLLECTION, "title": "upstream", "can_read": True, "can_write": True}
        return Response(json.dumps(info), content_type=TAXII)

    return handler


def envelope(objects, more=False, next_token=None, added_last="2026-01-01T00:00:00.000000Z", **headers):
    body = {"objects": objects, "more": more}
    if next_token:
        body["next"] = next_token
    return Response(
        json.dumps(body), content_type=TAXII, headers={"X-TAXII-Date-Added-Last": added_last, **headers}
    )


def add_feed(hub, member, url: str, *extra: str, name: str = "up"):
    return hub(
        "feed",
        "add",
        name,
        "--url",
        f"{url}api/",
        "--collection",
        COLLECTION,
        "--into",
        member.collection.id,
        "--as",
        member.email,
        *extra,
    )


def stored(session, member) -> list[ObjectVersion]:
    session.expire_all()
    return list(
        session.scalars(select(ObjectVersion).where(ObjectVersion.collection_id == member.collection.id))
    )


def test_an_upstream_that_pages_for_ever_is_stopped_at_the_page_cap(hub, app, session, member):
    app.config["FEED_MAX_PAGES"] = 5
    pages = count(1)

    def forever(request):
        n = next(pages)
        return envelope(
            [indicator(Tlp.CLEAR, value=f"p{n}.example")],
            more=n < 60,
            next_token=f"t{n}",
            added_last=f"2026-01-01T00:00:{n % 60:02d}.000000Z",
        )

    with upstream(taxii(forever)) as server:
        assert add_feed(hub, member, server.url).exit_code == 0
        result = hub("feed", "sync", "up")
    objects_asked = [r for r in server.requests if "/objects/" in r]
    assert len(objects_asked) == 5, result.output
    assert "stopped after 5 pages (HUB_FEED_MAX_PAGES); the next run continues" in result.output
    assert result.exit_code == 0


def test_an_upstream_whose_next_does_not_advance_is_stopped(hub, session, member):
    calls = count(1)

    def stuck(request):
        n = next(calls)
        return envelope(
            [
                indicator(
                    Tlp.CLEAR, value="same.example", stix_id="indicator--1d4b3a2c-0000-4000-8000-000000000001"
                )
            ],
            more=n < 60,
            next_token="always-the-same",
        )

    with upstream(taxii(stuck)) as server:
        add_feed(hub, member, server.url)
        result = hub("feed", "sync", "up")
    assert len([r for r in server.requests if "/objects/" in r]) == 2
    assert result.exit_code == 1
    assert "did not advance" in result.output
    assert len(stored(session, member)) == 1


def test_an_upstream_that_pages_for_ever_is_stopped_at_the_time_cap(hub, app, member):
    app.config["FEED_MAX_SECONDS"] = 1
    pages = count(1)

    def slow(request):
        n = next(pages)
        time.sleep(0.3)
        return envelope([indicator(Tlp.CLEAR, value=f"s{n}.example")], more=n < 60, next_token=f"t{n}")

    with upstream(taxii(slow)) as server:
        add_feed(hub, member, server.url)
        started = time.monotonic()
        result = hub("feed", "sync", "up")
    assert time.monotonic() - started < 5, result.output
    assert "(HUB_FEED_MAX_SECONDS)" in result.output


def test_a_huge_response_is_refused_and_nothing_of_it_stored(hub, app, session, member):
    app.config["FEED_MAX_RESPONSE_BYTES"] = 1024 * 1024
    big = indicator(Tlp.CLEAR, description="x" * 3 * 1024 * 1024)

    def huge(request):
        response = envelope([big])
        response.headers.pop("Content-Length", None)
        response.response = [response.get_data()]  # streamed: no Content-Length to trust
        return response

    with upstream(taxii(huge)) as server:
        add_feed(hub, member, server.url)
        result = hub("feed", "sync", "up")
    assert result.exit_code == 1
    assert "larger than 1048576 bytes (HUB_FEED_MAX_RESPONSE_BYTES)" in result.output
    assert stored(session, member) == []


def test_a_drip_fed_response_hits_the_request_deadline(hub, app, member):
    app.config["FEED_REQUEST_DEADLINE_SECONDS"] = 1.5

    def drip(request):
        def body():
            for _ in range(40):  # 8 bytes every 0.2 s: each read is quick, the whole never ends
                time.sleep(0.2)
                yield b"        "

        return Response(body(), content_type=TAXII)

    with upstream(taxii(drip)) as server:
        add_feed(hub, member, server.url)
        started = time.monotonic()
        result = hub("feed", "sync", "up")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert "no complete answer within 1.5 s" in result.output
    assert elapsed < 4, elapsed


def test_a_redirect_to_another_local_service_is_not_followed(hub, session, member):
    with upstream(lambda request: envelope([indicator(Tlp.CLEAR, value="admin-secret.example")])) as admin:

        def redirect(request):
            return Response("", status=302, headers={"Location": f"{admin.url}internal/admin/"})

        with upstream(taxii(redirect)) as server:
            add_feed(hub, member, server.url)
            result = hub("feed", "sync", "up")
    assert admin.requests == []
    assert result.exit_code == 1
    assert "another origin" in result.output
    assert stored(session, member) == []


def test_internal_addresses_are_refused_unless_the_operator_allows_them(hub, app, session, member):
    with upstream(taxii(lambda request: envelope([indicator(Tlp.CLEAR)]))) as server:
        app.config["FEED_ALLOW_PRIVATE"] = False
        refused = add_feed(hub, member, server.url)
        assert refused.exit_code == 1
        assert "internal address" in refused.output
        app.config["FEED_ALLOW_PRIVATE"] = True
        assert add_feed(hub, member, server.url).exit_code == 0
        app.config["FEED_ALLOW_PRIVATE"] = False
        result = hub("feed", "sync", "up")
    assert result.exit_code == 1 and "internal address" in result.output
    assert server.requests == []


def test_control_characters_from_the_remote_never_reach_the_terminal_or_the_database(hub, session, member):
    def hostile(request):
        return Response(
            "no", status="500 \x1b[2J\x1b]0;owned\x07Boom\r\nX-Fake: 1", content_type="text/plain"
        )

    with upstream(taxii(hostile)) as server:
        add_feed(hub, member, server.url)
        result = hub("feed", "sync", "up")
        listing = hub("feed", "list")
    for text in (result.output, listing.output):
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    error = session.scalar(select(Feed.last_error))
    assert error and "\x1b" not in error and "\n" not in error
    assert len([line for line in result.output.splitlines() if line.startswith("up:")]) == 1


def test_a_wrong_content_type_is_one_line(hub, member):
    with upstream(
        taxii(lambda request: Response("<html>\n<p>hi</p>\n</html>", content_type="text/html"))
    ) as server:
        add_feed(hub, member, server.url)
        result = hub("feed", "sync", "up")
    failure = [line for line in result.output.splitlines() if "sync failed" in line]
    assert len(failure) == 1, result.output
    assert result.output.count("\n") <= 2, result.output


def test_a_url_with_credentials_in_it_is_refused_and_not_stored(hub, session, member):
    result = add_feed(hub, member, "https://analyst:s3cr3t-token@peer.example/taxii2/")
    assert result.exit_code == 1
    assert "s3cr3t-token" not in result.output
    assert "stdin" in result.output
    assert session.scalar(select(Feed)) is None
