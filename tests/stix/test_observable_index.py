"""The observable index: rows written at ingest in the same transaction, warning flags, sightings, reindex."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select

from hub.cli import main
from hub.orgs.tokens import issue_token
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from hub.stix.observable_index import SIGHTING_OF, IndexedObservable, observables_of
from tests.factories import indicator, make_collection, make_org, make_user, post


def _rows(session) -> set[tuple[str, str, str | None]]:
    return set(
        session.execute(select(IndexedObservable.kind, IndexedObservable.value, IndexedObservable.warning))
    )


@pytest.fixture
def writer(session):
    return make_user(session, make_org(session, tier="trusted"))


@pytest.fixture
def collection(session):
    return make_collection(session, read=["tier:registered"], write=["tier:vetted"])


def test_ingest_indexes_every_observable_of_the_amnesty_files(session, shared_data, writer):
    collections = {}
    for path in sorted((shared_data / "amnesty").glob("*.stix2")):
        objects = json.loads(path.read_text())["objects"]
        collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
        collections[path.stem] = collection
        submission = post(session, writer, collection, objects)
        assert submission.failure_count == 0, path.name

        stored = session.execute(
            select(IndexedObservable.kind, IndexedObservable.value).where(
                IndexedObservable.collection_id == collection.id
            )
        ).all()
        expected = [(o.kind, o.value) for obj in objects for o in observables_of(obj)]
        assert sorted(tuple(row) for row in stored) == sorted(expected), path.name
        assert len(expected) >= len([obj for obj in objects if obj["type"] == "indicator"]) > 0

    row = session.execute(
        select(IndexedObservable, ObjectVersion.stix_id)
        .join(ObjectVersion)
        .where(
            IndexedObservable.value == "weather4free.com",
            IndexedObservable.collection_id == collections["pegasus"].id,
        )
    ).one()
    assert row.IndexedObservable.kind == "domain"
    assert row.stix_id == "indicator--05b7c427-1452-437e-a19e-32590edf60c3"


def test_warnings_are_reported_and_flagged_but_the_objects_are_stored(session, writer, collection):
    objects = [
        indicator(Tlp.GREEN, value="google.com"),
        indicator(Tlp.GREEN, pattern="[ipv4-addr:value = '10.0.0.1']"),
        indicator(Tlp.GREEN, pattern="[ipv4-addr:value = '192.0.2.1']"),
        indicator(Tlp.GREEN, value="malicious-update.net"),
    ]
    submission = post(session, writer, collection, objects)

    assert (submission.success_count, submission.failure_count) == (4, 0)
    results = json.loads(submission.results)
    assert [(w["id"], w["value"], w["code"]) for w in results["warnings"]] == [
        (objects[0]["id"], "google.com", "popular-domain"),
        (objects[1]["id"], "10.0.0.1", "private-ip"),
        (objects[2]["id"], "192.0.2.1", "documentation-range"),
    ]
    messages = {s["id"]: s.get("message", "") for s in results["successes"]}
    assert "warning: google.com is one of the most visited domains" in messages[objects[0]["id"]]
    assert "private address" in messages[objects[1]["id"]]
    assert messages[objects[3]["id"]] == ""
    assert _rows(session) == {
        ("domain", "google.com", "popular-domain"),
        ("ipv4", "10.0.0.1", "private-ip"),
        ("ipv4", "192.0.2.1", "documentation-range"),
        ("domain", "malicious-update.net", None),
    }


def test_the_hubs_own_domain_is_flagged(app, session, writer, collection):
    app.config["HUB_DOMAINS"] = ("hub.example.org",)
    flagged = indicator(Tlp.GREEN, pattern="[url:value = 'https://Hub.Example.ORG/login']")
    submission = post(session, writer, collection, [flagged])
    assert "hub-domain" in {w["code"] for w in json.loads(submission.results)["warnings"]}


def test_only_stix_patterns_and_sightings_are_indexed(session, writer, collection):
    sigma = indicator(Tlp.GREEN, pattern="title: x\ndetection: {}", pattern_type="sigma")
    target = indicator(Tlp.GREEN, value="tracked.example")
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--8fe4c2ab-3cb4-4c41-8a2f-5b0a6b5d1a10",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": target["id"],
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    malware = {
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--2e9d534b-2e11-4758-bdc5-9c3e1c100d4d",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "name": "x",
        "is_family": False,
    }
    submission = post(session, writer, collection, [sigma, target, sighting, malware])
    assert submission.failure_count == 0
    assert {(kind, value) for kind, value, _ in _rows(session)} == {
        ("domain", "tracked.example"),
        (SIGHTING_OF, target["id"]),
    }


def test_rows_go_with_their_version(session, writer, collection):
    post(session, writer, collection, [indicator(Tlp.GREEN, value="gone.example")])
    session.execute(delete(ObjectVersion))
    session.commit()
    assert _rows(session) == set()


def test_reindex_rebuilds_the_table_and_can_run_twice(session, runner, writer, collection):
    post(
        session,
        writer,
        collection,
        [indicator(Tlp.GREEN, value=f"d{i}.example") for i in range(5)]
        + [indicator(Tlp.GREEN, value="google.com")],
    )
    before = _rows(session)
    session.execute(delete(IndexedObservable))
    session.commit()

    for _ in range(2):
        result = runner.invoke(main, ["observables", "reindex", "--batch-size", "2"])
        assert result.exit_code == 0, result.output
        assert "indexed 6 " in result.output
        assert _rows(session) == before
        assert session.scalar(select(func.count()).select_from(IndexedObservable)) == 6


def test_the_taxii_status_tells_the_submitter_about_warnings(session, client, writer, collection):
    secret = issue_token(session, None, writer).secret
    session.commit()
    flagged = indicator(Tlp.GREEN, value="google.com")
    response = client.post(
        f"/taxii2/api/collections/{collection.id}/objects/",
        data=json.dumps({"objects": [flagged]}),
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/taxii+json;version=2.1",
            "Accept": "application/taxii+json;version=2.1",
        },
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    [success] = response.json["successes"]
    assert success["id"] == flagged["id"]
    assert "warning: google.com is one of the most visited domains" in success["message"]
