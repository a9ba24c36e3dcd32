"""Discovery, API root, collections and status resources."""

from __future__ import annotations

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import ROOT, assert_taxii_error, get, member, post


def test_discovery_names_the_one_api_root_as_default(client, hub):
    body = get(client, "/taxii2/").get_json(force=True)
    assert body["api_roots"] == [f"http://localhost{ROOT}/"]
    assert body["default"] in body["api_roots"]
    assert body["title"]


def test_api_root_states_versions_and_the_enforced_body_limit(app, client, hub):
    app.config["TAXII_MAX_CONTENT_LENGTH"] = 12345
    body = get(client, f"{ROOT}/").get_json(force=True)
    assert body["versions"] == ["application/taxii+json;version=2.1"]
    assert body["max_content_length"] == 12345


def test_api_root_from_configuration(app, client, hub):
    app.config["TAXII_API_ROOT"] = "feeds"
    assert get(client, "/taxii2/feeds/").status_code == 200
    assert_taxii_error(get(client, f"{ROOT}/"), 404)


def test_anonymous_sees_only_public_collections(client, hub):
    body = get(client, "collections/").get_json(force=True)
    assert [(c["id"], c["can_read"], c["can_write"]) for c in body["collections"]] == [
        (hub.public.id, True, False)
    ]


def test_collections_carry_per_principal_permissions(client, hub):
    body = get(client, "collections/", hub.registered).get_json(force=True)
    seen = {c["id"]: (c["can_read"], c["can_write"]) for c in body["collections"]}
    assert seen == {
        hub.shared.id: (True, False),
        hub.public.id: (True, False),
        hub.drop_box.id: (False, True),
    }
    assert all(c["media_types"] == ["application/stix+json;version=2.1"] for c in body["collections"])
    producer = get(client, f"collections/{hub.public.id}/", hub.producer).get_json(force=True)
    assert (producer["can_read"], producer["can_write"], producer["title"]) == (True, True, "Public")


def test_no_collections_is_an_empty_resource(client, app):
    assert get(client, "collections/").get_json(force=True) == {}


def test_status_counts_add_up_and_list_each_object(client, hub):
    good, bad = indicator(Tlp.GREEN), indicator(Tlp.GREEN, pattern="[not a pattern")
    status = post(
        client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [good, bad, good, 42]}
    ).get_json(force=True)
    assert status["status"] == "complete"
    assert status["total_count"] == 4
    assert status["success_count"] + status["failure_count"] + status["pending_count"] == 4
    assert (status["success_count"], status["failure_count"]) == (2, 2)
    assert {s["id"] for s in status["successes"]} == {good["id"]}
    assert all(f["message"] for f in status["failures"])
    assert get(client, f"status/{status['id']}/", hub.producer).get_json(force=True) == status


def test_reposting_an_identical_object_is_a_success_stored_once(client, hub):
    obj = indicator(Tlp.GREEN)
    for _ in range(2):
        status = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [obj]})
        assert status.get_json(force=True)["success_count"] == 1
    manifest = get(client, f"collections/{hub.shared.id}/manifest/?match[version]=all", hub.reader)
    assert len(manifest.get_json(force=True)["objects"]) == 1


def test_status_is_visible_only_to_its_poster(client, hub, session):
    colleague = member(session, org=hub.producer.user.org)
    status = post(
        client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [indicator(Tlp.GREEN)]}
    ).get_json(force=True)
    for who in (hub.reader, colleague, None):
        assert_taxii_error(get(client, f"status/{status['id']}/", who), 404)


def test_producer_deletes_all_versions_and_it_is_audited(client, hub, session):
    obj = indicator(Tlp.GREEN)
    newer = {**obj, "modified": "2026-02-01T00:00:00.000Z"}
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [obj, newer]})
    path = f"{ROOT}/collections/{hub.shared.id}/objects/{obj['id']}/"
    response = client.delete(path, headers=hub.producer.headers)
    assert response.status_code == 200
    assert_taxii_error(get(client, path, hub.producer), 404)
    assert_taxii_error(get(client, path + "versions/", hub.reader), 404)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "object.delete"))
    assert event is not None and event.target_id == obj["id"] and event.actor_user_id == hub.producer.user.id


def test_delete_with_match_version_removes_only_that_version(client, hub):
    obj = indicator(Tlp.GREEN)
    newer = {**obj, "modified": "2026-02-01T00:00:00.000Z"}
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [obj, newer]})
    path = f"{ROOT}/collections/{hub.shared.id}/objects/{obj['id']}/"
    response = client.delete(path + "?match[version]=2026-02-01T00:00:00Z", headers=hub.producer.headers)
    assert response.status_code == 200
    versions = get(client, path + "versions/", hub.reader).get_json(force=True)["versions"]
    assert versions == ["2026-01-01T00:00:00.000Z"]
    assert_taxii_error(
        client.delete(path + "?match[version]=2030-01-01T00:00:00Z", headers=hub.producer.headers), 404
    )


def test_others_who_see_an_object_may_not_delete_it(client, hub):
    obj = indicator(Tlp.CLEAR)
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [obj]})
    path = f"{ROOT}/collections/{hub.shared.id}/objects/{obj['id']}/"
    for who in (hub.reader, hub.registered):
        assert_taxii_error(client.delete(path, headers=who.headers), 403)
    assert get(client, path, hub.reader).status_code == 200


def test_deleting_an_invisible_object_is_404(client, hub):
    obj = indicator(Tlp.AMBER)
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [obj]})
    path = f"{ROOT}/collections/{hub.shared.id}/objects/{obj['id']}/"
    assert_taxii_error(client.delete(path, headers=hub.registered.headers), 404)
