"""Ingest behaviour that the policy tests do not cover: SCO de-duplication, anonymity, failure atomicity."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from hub.policy.tlp import Tlp
from hub.stix import ingest
from hub.stix.models import ObjectVersion
from tests.factories import indicator, make_collection, make_org, make_user, post

SCO = {
    "type": "domain-name",
    "spec_version": "2.1",
    "id": "domain-name--3c10e5a4-5b4a-5d8c-9c3e-2a4c0d5e6f70",
    "value": "evil.example",
}


@pytest.fixture
def world(session):
    user = make_user(session, make_org(session, tier="vetted"))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    return user, collection


def _stored(session) -> int:
    return session.scalar(select(func.count()).select_from(ObjectVersion))


def test_reposting_an_identical_sco_is_a_success_that_stores_nothing_twice(session, world):
    user, collection = world
    post(session, user, collection, [SCO])
    again = post(session, user, collection, [SCO])
    assert (again.success_count, again.failure_count) == (1, 0)
    assert json.loads(again.results)["successes"][0]["message"] == "already stored"
    assert _stored(session) == 1


def test_sharing_without_attribution_shows_the_hub_as_source(session, world):
    user, collection = world
    obj = indicator(Tlp.GREEN, created_by_ref=user.org.identity_id)
    post(
        session,
        user,
        collection,
        [obj],
        anonymous=True,
        hub_identity_id="identity--" + "1" * 8 + "-1111-4111-8111-" + "1" * 12,
    )
    row = session.scalar(select(ObjectVersion))
    assert json.loads(row.body)["created_by_ref"].startswith("identity--11111111")
    assert row.is_anonymous and row.producer_org_id == user.org_id


def test_a_storage_failure_stores_nothing_and_the_status_says_so(session, world, monkeypatch):
    user, collection = world

    def broken(*args, **kwargs):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(ingest, "_store", broken)
    submission = post(session, user, collection, [indicator(Tlp.GREEN), indicator(Tlp.GREEN)])
    assert (submission.success_count, submission.failure_count) == (0, 2)
    assert "nothing from it was stored" in json.loads(submission.results)["failures"][0]["message"]
    assert _stored(session) == 0


def test_an_object_above_the_size_limit_is_refused_on_every_way_in(app, session):
    """Issue 11, item 6: one object of many MiB is refused (the others of the envelope are stored)."""
    app.config["MAX_OBJECT_BYTES"] = 64 * 1024
    user = make_user(session, make_org(session, "Big Poster", tier="vetted"))
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    big = indicator(Tlp.GREEN, description="x" * 100_000)
    small = indicator(Tlp.GREEN)
    results = json.loads(post(session, user, channel, [big, small]).results)
    assert [f["id"] for f in results["failures"]] == [big["id"]]
    assert "at most 65536 bytes" in results["failures"][0]["message"]
    assert [s["id"] for s in results["successes"]] == [small["id"]]
