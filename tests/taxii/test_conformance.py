"""TAXII 2.1 conformance found by medallion's own test suite (issue 10, finding 11).

DELETE takes `match[version]` (first, last, all, timestamps) and `match[spec_version]` (§5.7 with §3.4.1);
manifests and version lists echo the object's own `modified` text; the anonymous asking for a collection that
is not public get 401 with `WWW-Authenticate`, whether it exists or not.
"""

from __future__ import annotations

import pytest

from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection
from tests.taxii.conftest import ROOT, TAXII, assert_taxii_error, get, post

V1, V2, V3 = "2016-12-25T12:30:59.444Z", "2017-01-20T00:00:00Z", "2017-02-01T08:00:00.1Z"


@pytest.fixture
def three(client, hub):
    """One indicator in three versions whose `modified` texts are not in the server's six-digit form."""
    first = indicator(Tlp.GREEN, modified=V1, created=V1)
    versions = [first, {**first, "modified": V2}, {**first, "modified": V3}]
    response = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": versions})
    assert response.get_json(force=True)["success_count"] == 3
    return first["id"]


def _path(hub, stix_id: str) -> str:
    return f"{ROOT}/collections/{hub.shared.id}/objects/{stix_id}/"


def _versions(client, hub, stix_id: str) -> list[str]:
    response = get(client, _path(hub, stix_id) + "versions/", hub.reader)
    if response.status_code == 404:
        return []
    return list(response.get_json(force=True)["versions"])


def _delete(client, hub, stix_id: str, query: str = ""):
    return client.delete(_path(hub, stix_id) + query, headers={"Accept": TAXII, **hub.producer.headers})


@pytest.mark.parametrize(
    ("query", "left"),
    [
        ("?match[version]=first", [V2, V3]),
        ("?match[version]=last", [V1, V2]),
        ("?match[version]=first,last", [V2]),
        ("?match[version]=all", []),
        ("", []),
        (f"?match[version]={V2}", [V1, V3]),
        (f"?match[version]=first&match[version]={V3}", [V2]),
    ],
)
def test_delete_takes_first_last_all_and_timestamps(client, hub, three, query, left):
    response = _delete(client, hub, three, query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _versions(client, hub, three) == left


def test_delete_without_match_version_leaves_nothing_to_get(client, hub, three):
    assert _delete(client, hub, three).status_code == 200
    assert_taxii_error(get(client, _path(hub, three), hub.reader), 404)


def test_delete_takes_match_spec_version(client, hub, three):
    assert_taxii_error(_delete(client, hub, three, "?match[spec_version]=2.0"), 404)
    assert _versions(client, hub, three) == [V1, V2, V3]
    response = _delete(client, hub, three, "?match[spec_version]=2.1&match[version]=last")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _versions(client, hub, three) == [V1, V2]
    assert _delete(client, hub, three, "?match[spec_version]=2.0,2.1").status_code == 200
    assert _versions(client, hub, three) == []


@pytest.mark.parametrize("query", ["?match[version]=newest", "?match[type]=indicator", "?limit=1"])
def test_delete_refuses_what_it_does_not_take(client, hub, three, query):
    assert_taxii_error(_delete(client, hub, three, query), 400)
    assert _versions(client, hub, three) == [V1, V2, V3]


def test_manifest_and_versions_echo_the_objects_own_modified_text(client, hub, three):
    manifest = get(client, f"collections/{hub.shared.id}/manifest/?match[version]=all", hub.reader).get_json(
        force=True
    )
    assert [entry["version"] for entry in manifest["objects"]] == [V1, V2, V3]
    assert _versions(client, hub, three) == [V1, V2, V3]
    last = get(client, f"collections/{hub.shared.id}/manifest/", hub.reader).get_json(force=True)
    assert [entry["version"] for entry in last["objects"]] == [V3]


def test_manifest_version_of_an_object_without_modified_is_its_created_text(client, hub):
    statement = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--8d7d8c5f-1f11-4a4b-9c58-2f6a3bcf1c39",
        "created": "2020-05-05T05:05:05.5Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2020, a helpline"},
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    response = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [statement]})
    assert response.get_json(force=True)["success_count"] == 1, response.get_data(as_text=True)
    manifest = get(client, f"collections/{hub.shared.id}/manifest/", hub.reader).get_json(force=True)
    assert [entry["version"] for entry in manifest["objects"]] == ["2020-05-05T05:05:05.5Z"]


PATHS = ("", "objects/", "manifest/", "objects/indicator--x/", "objects/indicator--x/versions/")


def test_anonymous_on_a_collection_that_is_not_public_is_401_whether_it_exists_or_not(client, hub, session):
    org = hub.producer.user.org.name
    private = make_collection(session, read=[f"org:{org}"], write=[f"org:{org}"])
    session.commit()
    bodies = []
    for collection_id in (private.id, hub.drop_box.id, "00000000-0000-4000-8000-000000000000"):
        for path in PATHS:
            response = get(client, f"collections/{collection_id}/{path}")
            bodies.append(assert_taxii_error(response, 401))
            assert response.headers["WWW-Authenticate"] == 'Basic realm="hub", Bearer'
        bodies.append(
            assert_taxii_error(
                post(client, f"collections/{collection_id}/objects/", None, {"objects": []}), 401
            )
        )
        response = client.delete(f"{ROOT}/collections/{collection_id}/objects/indicator--x/")
        bodies.append(assert_taxii_error(response, 401))
    assert len({str(body) for body in bodies}) == 1, "the answer must not tell which collections exist"


def test_anonymous_still_reads_public_collections_and_gets_404_for_unknown_objects(client, hub):
    assert get(client, f"collections/{hub.public.id}/objects/").status_code == 200
    assert_taxii_error(get(client, f"collections/{hub.public.id}/objects/indicator--x/"), 404)


def test_members_still_get_404_for_collections_they_may_not_use(client, hub, session):
    org = hub.producer.user.org.name
    private = make_collection(session, read=[f"org:{org}"], write=[f"org:{org}"])
    session.commit()
    for collection_id in (private.id, "00000000-0000-4000-8000-000000000000"):
        assert_taxii_error(get(client, f"collections/{collection_id}/objects/", hub.reader), 404)
