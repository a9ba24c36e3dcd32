"""Get Objects, Get an Object, Get Object Versions and Get Object Manifests: filters, paging, headers."""

from __future__ import annotations

import base64

import orjson
import pytest

from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import assert_taxii_error, get, post

V1, V2, V3 = "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"


def malware(**extra):
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "created": V1,
        "modified": V1,
        "name": "Pegasus",
        "is_family": True,
        **extra,
    }


@pytest.fixture
def feed(client, hub):
    """Three indicators (the first in three versions) and a malware, posted in that order."""
    first = indicator(Tlp.GREEN, modified=V1)
    objects = [
        first,
        indicator(Tlp.GREEN),
        indicator(Tlp.CLEAR),
        malware(),
        {**first, "modified": V2},
        {**first, "modified": V3},
    ]
    status = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": objects})
    assert status.get_json(force=True)["success_count"] == len(objects)
    return objects


def objects(client, hub, query="", who=None):
    response = get(client, f"collections/{hub.shared.id}/objects/{query}", who or hub.reader)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response, response.get_json(force=True)


def ids(body):
    return [o["id"] for o in body.get("objects", [])]


def test_objects_come_in_date_added_order_with_last_versions_by_default(client, hub, feed):
    _, body = objects(client, hub)
    assert ids(body) == [o["id"] for o in feed[1:4]] + [feed[0]["id"]]
    assert body["objects"][-1]["modified"] == V3
    assert body["more"] is False and "next" not in body


def test_date_added_headers_span_the_returned_page(client, hub, feed):
    response, _ = objects(client, hub, "?limit=2")
    manifest = get(client, f"collections/{hub.shared.id}/manifest/?limit=2", hub.reader).get_json(force=True)
    added = [entry["date_added"] for entry in manifest["objects"]]
    assert response.headers["X-TAXII-Date-Added-First"] == added[0]
    assert response.headers["X-TAXII-Date-Added-Last"] == added[1]


def test_empty_page_is_an_empty_envelope_without_date_headers(client, hub, feed):
    response, body = objects(client, hub, "?match[type]=campaign")
    assert body == {}
    assert "X-TAXII-Date-Added-First" not in response.headers
    assert "X-TAXII-Date-Added-Last" not in response.headers


def test_added_after_is_exclusive(client, hub, feed):
    manifest = get(client, f"collections/{hub.shared.id}/manifest/?match[version]=all", hub.reader)
    added = [entry["date_added"] for entry in manifest.get_json(force=True)["objects"]]
    _, body = objects(client, hub, f"?added_after={added[2]}&match[version]=all")
    assert len(body["objects"]) == len(added) - 3
    _, body = objects(client, hub, f"?added_after={added[-1]}")
    assert body == {}


def test_match_id_is_or_within_the_field(client, hub, feed):
    _, body = objects(client, hub, f"?match[id]={feed[1]['id']},{feed[2]['id']}")
    assert sorted(ids(body)) == sorted([feed[1]["id"], feed[2]["id"]])
    _, body = objects(client, hub, f"?match[id]={feed[1]['id']}&match[id]={feed[3]['id']}")
    assert sorted(ids(body)) == sorted([feed[1]["id"], feed[3]["id"]])


def test_match_type_and_fields_combine_with_and(client, hub, feed):
    _, body = objects(client, hub, "?match[type]=malware")
    assert ids(body) == [feed[3]["id"]]
    _, body = objects(client, hub, f"?match[type]=malware&match[id]={feed[1]['id']}")
    assert body == {}
    _, body = objects(client, hub, "?match[type]=malware,indicator")
    assert len(body["objects"]) == 4


@pytest.mark.parametrize(
    "version, expected",
    [
        ("first", [V1]),
        ("last", [V3]),
        ("all", [V1, V2, V3]),
        (V2, [V2]),
        (f"{V1},{V3}", [V1, V3]),
        ("first,last", [V1, V3]),
    ],
)
def test_match_version(client, hub, feed, version, expected):
    _, body = objects(client, hub, f"?match[id]={feed[0]['id']}&match[version]={version}")
    assert [o["modified"] for o in body["objects"]] == expected


def test_match_spec_version(client, hub, feed):
    _, body = objects(client, hub, "?match[spec_version]=2.1")
    assert len(body["objects"]) == 4
    _, body = objects(client, hub, "?match[spec_version]=2.0")
    assert body == {}


def test_limit_pages_with_next_until_more_is_false(client, hub, feed):
    seen, query = [], "?match[version]=all&limit=2"
    for _ in range(5):
        _, body = objects(client, hub, query)
        seen += [(o["id"], o["modified"]) for o in body["objects"]]
        if not body["more"]:
            break
        assert len(body["objects"]) == 2 and body["next"]
        query = f"?match[version]=all&limit=2&next={body['next']}"
    assert len(seen) == len(set(seen)) == len(feed)


def test_next_without_the_filters_continues_the_same_query(client, hub, feed):
    _, first = objects(client, hub, "?match[type]=indicator&limit=1")
    _, second = objects(client, hub, f"?next={first['next']}")
    _, resent = objects(client, hub, f"?match[type]=indicator&next={first['next']}&limit=1")
    assert ids(resent) == ids(second)[:1]
    assert all(o["type"] == "indicator" for o in second["objects"])
    assert len(ids(second)) == 2


def test_retrying_a_next_token_returns_the_same_page(client, hub, feed):
    _, first = objects(client, hub, "?limit=2")
    _, again = objects(client, hub, f"?limit=2&next={first['next']}")
    _, retry = objects(client, hub, f"?limit=2&next={first['next']}")
    assert again == retry


def test_next_for_other_filters_collection_or_user_is_400(client, hub, feed):
    _, first = objects(client, hub, "?match[type]=indicator&limit=1")
    token = first["next"]
    assert_taxii_error(
        get(client, f"collections/{hub.shared.id}/objects/?match[type]=malware&next={token}", hub.reader), 400
    )
    assert_taxii_error(get(client, f"collections/{hub.public.id}/objects/?next={token}", hub.reader), 400)
    assert_taxii_error(get(client, f"collections/{hub.shared.id}/manifest/?next={token}", hub.reader), 400)
    assert_taxii_error(get(client, f"collections/{hub.shared.id}/objects/?next={token}", hub.producer), 400)
    assert_taxii_error(
        get(client, f"collections/{hub.shared.id}/objects/?next={token[:-2]}xx", hub.reader), 400
    )


def test_a_next_token_with_another_position_or_filter_under_its_mac_is_400(client, hub, feed):
    """The position and filter are signed: a client cannot move its keyset position or widen the filter
    it carries (the MAC covers them, as well as the collection, endpoint and user it is checked against)."""
    _, first = objects(client, hub, "?match[type]=indicator&limit=1")
    payload, _, mac = first["next"].partition(".")
    issued, after, *fields = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for changed in ([issued, after - 1, *fields], [issued, after, fields[0], [], *fields[2:]]):
        text = base64.urlsafe_b64encode(orjson.dumps(changed)).rstrip(b"=").decode()
        response = get(client, f"collections/{hub.shared.id}/objects/?next={text}.{mac}", hub.reader)
        assert "next" in assert_taxii_error(response, 400)["description"]


def test_expired_next_token_is_400(app, client, hub, feed):
    _, first = objects(client, hub, "?limit=1")
    app.config["NEXT_TOKEN_MAX_AGE_SECONDS"] = -1
    error = assert_taxii_error(
        get(client, f"collections/{hub.shared.id}/objects/?next={first['next']}", hub.reader), 400
    )
    assert "next" in error["description"]


def test_limit_is_capped_by_the_server(app, client, hub, feed):
    app.config["TAXII_MAX_PAGE_SIZE"] = 2
    _, body = objects(client, hub, "?limit=500")
    assert len(body["objects"]) == 2 and body["more"] is True


def test_manifest_lists_versions_without_bodies(client, hub, feed):
    body = get(
        client,
        f"collections/{hub.shared.id}/manifest/?match[id]={feed[0]['id']}&match[version]=all",
        hub.reader,
    ).get_json(force=True)
    assert [entry["version"] for entry in body["objects"]] == [V1, V2, V3]
    assert all(set(entry) == {"id", "date_added", "version", "media_type"} for entry in body["objects"])


def test_get_an_object_returns_its_last_version_and_takes_version_filters(client, hub, feed):
    path = f"collections/{hub.shared.id}/objects/{feed[0]['id']}/"
    response = get(client, path, hub.reader)
    assert [o["modified"] for o in response.get_json(force=True)["objects"]] == [V3]
    assert response.headers["X-TAXII-Date-Added-Last"]
    body = get(client, path + "?match[version]=all&limit=2", hub.reader).get_json(force=True)
    assert len(body["objects"]) == 2 and body["more"] is True
    rest = get(client, path + f"?next={body['next']}", hub.reader).get_json(force=True)
    assert [o["modified"] for o in rest["objects"]] == [V3]
    assert get(client, path + "?match[version]=2020-01-01T00:00:00Z", hub.reader).get_json(force=True) == {}


def test_unknown_object_is_404(client, hub, feed):
    path = f"collections/{hub.shared.id}/objects/indicator--00000000-0000-4000-8000-000000000000/"
    assert_taxii_error(get(client, path, hub.reader), 404)
    assert_taxii_error(get(client, path + "versions/", hub.reader), 404)


def test_versions_lists_every_version_in_date_added_order(client, hub, feed):
    path = f"collections/{hub.shared.id}/objects/{feed[0]['id']}/versions/"
    response = get(client, path, hub.reader)
    body = response.get_json(force=True)
    assert body["versions"] == [V1, V2, V3]
    assert response.headers["X-TAXII-Date-Added-First"] < response.headers["X-TAXII-Date-Added-Last"]
    paged = get(client, path + "?limit=1", hub.reader).get_json(force=True)
    assert paged["versions"] == body["versions"][:1] and paged["more"] is True
